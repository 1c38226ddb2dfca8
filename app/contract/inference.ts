import { z } from 'zod';
import { defineCall, defineContract } from './define';

/** onnxruntime execution providers the studio knows how to ask for. */
export const ExecutionProviderName = z.enum(['cpu', 'webgpu', 'cuda', 'tensorrt', 'dml', 'coreml']);
export type ExecutionProviderName = z.infer<typeof ExecutionProviderName>;

/** What the inference process found out about one execution provider by running a probe graph on it. */
export const ProviderReport = z.object({
  name: ExecutionProviderName,
  /** Shipped inside onnxruntime-node's binary (others need libraries installed beside it). */
  bundled: z.boolean(),
  /** A session on this provider ran the probe graph and returned the right answer. */
  usable: z.boolean(),
  /** Why it is not usable, in onnxruntime's words. */
  detail: z.string().optional(),
});
export type ProviderReport = z.infer<typeof ProviderReport>;

/** Progress of a piece of work in the inference process; later, of a generation. */
export const JobProgress = z.object({
  jobId: z.string().min(1).max(100),
  label: z.string().max(200),
  step: z.number().int().nonnegative(),
  total: z.number().int().positive(),
});
export type JobProgress = z.infer<typeof JobProgress>;

export const EngineHello = z.object({
  pid: z.number().int().positive(),
  onnxruntime: z.string(),
});

/** The contract main speaks with the inference process it supervises. */
export const inferenceContract = defineContract({
  calls: {
    'engine.hello': defineCall({
      summary: 'Answer once the process can take work; says who it is.',
      input: z.object({}).strict(),
      output: EngineHello,
    }),
    'engine.providers': defineCall({
      summary: 'Probe every execution provider onnxruntime-node offers here (cached unless refresh).',
      input: z.object({ refresh: z.boolean().default(false) }).strict(),
      output: z.array(ProviderReport),
    }),
  },
  events: {
    'job.progress': JobProgress,
  },
});

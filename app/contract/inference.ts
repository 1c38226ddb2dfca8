import { z } from 'zod';
import { defineCall, defineContract } from './define';
import { GenerationProgress, GenerationRequest, GenerationResult, JobId, WarmRequest } from './generation';
import { ProviderReport } from './providers';

/** Progress of a piece of work in the inference process (the provider probe). */
export const JobProgress = z.object({
  jobId: JobId,
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
    'engine.generate': defineCall({
      summary: 'Run one generation request; progress arrives as generation.progress events with this jobId.',
      /** `quiet`: no progress events (live mode's runs: the next edit, not the steps, is what the page waits for). */
      input: z.object({ jobId: JobId, request: GenerationRequest, quiet: z.boolean().optional() }).strict(),
      output: GenerationResult,
    }),
    'engine.warm': defineCall({
      summary: "Load a model and run its parts once at a run's size, so the next run's first step is not slow; a generation arriving stops it between calls.",
      input: z.object({ request: WarmRequest }).strict(),
      output: z.object({ warmed: z.boolean(), warmMs: z.number() }),
    }),
    'engine.unload': defineCall({
      summary: "Release the loaded model's sessions (before its files are removed); waits for a running generation.",
      input: z.object({}).strict(),
      output: z.object({ released: z.literal(true) }),
    }),
    'engine.cancel': defineCall({
      summary: 'Cancel a running generation; it stops within one step.',
      input: z.object({ jobId: JobId }).strict(),
      output: z.object({ cancelled: z.boolean() }),
    }),
  },
  events: {
    'job.progress': JobProgress,
    'generation.progress': GenerationProgress,
  },
});

import { z } from 'zod';

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

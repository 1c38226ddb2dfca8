import { z } from 'zod';
import { defineCall, defineContract } from './define';
import { GenerationProgress, GenerationResult, GenerationSettings, FamilyId } from './generation';
import { JobProgress } from './inference';
import { ProviderReport } from './providers';

export const InferenceState = z.enum([
  /** Launched, not yet answering. */
  'starting',
  /** Answering calls. */
  'ready',
  /** Exited unexpectedly; a restart is scheduled. */
  'crashed',
  /** Crashed too often in a short time; no more restarts until asked. */
  'failed',
  /** Shut down on purpose. */
  'stopped',
]);
export type InferenceState = z.infer<typeof InferenceState>;

export const InferenceStatus = z.object({
  state: InferenceState,
  pid: z.number().int().positive().nullable(),
  /** Restarts after crashes since main started. */
  restarts: z.number().int().nonnegative(),
  /** The most recent unexpected exit, in words ("killed by SIGKILL", "exit code 3"). */
  lastCrash: z.string().nullable(),
});
export type InferenceStatus = z.infer<typeof InferenceStatus>;

export const AppInfo = z.object({
  name: z.string(),
  version: z.string(),
  /** How the renderer reaches main: Electron IPC, or a WebSocket in browser mode. */
  mode: z.enum(['electron', 'browser']),
  platform: z.string(),
  arch: z.string(),
  versions: z.object({
    node: z.string(),
    electron: z.string().nullable(),
    chrome: z.string().nullable(),
    /** Reported by the inference process once it has answered. */
    onnxruntime: z.string().nullable(),
  }),
  inference: InferenceStatus,
  executionProviders: z.array(ProviderReport),
});
export type AppInfo = z.infer<typeof AppInfo>;

/** Chosen by the renderer so it can cancel a job before the job's answer comes. */
export const JobId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

export const ModelEntry = z.object({
  /** The model's folder: what a generation request names. */
  path: z.string(),
  name: z.string(),
  family: FamilyId.nullable(),
  /** Why the folder is listed but cannot be used, when it cannot. */
  problem: z.string().nullable(),
});
export type ModelEntry = z.infer<typeof ModelEntry>;

/** The contract between the renderer and main; the renderer is untrusted, so every input is bounded. */
export const studioContract = defineContract({
  calls: {
    'app.info': defineCall({
      summary: 'Versions, platform, inference process state and execution providers (waits for the inference process to answer).',
      input: z.object({}).strict(),
      output: AppInfo,
    }),
    'app.ping': defineCall({
      summary: 'Health check: echoes the nonce with the time main received it.',
      input: z.object({ nonce: z.string().max(64) }).strict(),
      output: z.object({ nonce: z.string(), receivedAt: z.number() }),
    }),
    'inference.status': defineCall({
      summary: 'The inference process state now (changes arrive as inference.status events).',
      input: z.object({}).strict(),
      output: InferenceStatus,
    }),
    'inference.restart': defineCall({
      summary: 'Start the inference process again after it failed (or restart a running one).',
      input: z.object({}).strict(),
      output: InferenceStatus,
    }),
    'inference.providers': defineCall({
      summary: 'Execution providers as the inference process probed them; refresh probes again.',
      input: z.object({ refresh: z.boolean().default(false) }).strict(),
      output: z.array(ProviderReport),
    }),
    'models.list': defineCall({
      summary: 'The models in the library folders, with the family each was detected as.',
      input: z.object({}).strict(),
      output: z.array(ModelEntry),
    }),
    generate: defineCall({
      summary: 'Generate images; progress and previews arrive as generation.progress events with the given jobId.',
      input: z.object({ jobId: JobId, settings: GenerationSettings }).strict(),
      output: GenerationResult,
    }),
    'generate.cancel': defineCall({
      summary: 'Cancel a running generation; it stops within one step.',
      input: z.object({ jobId: JobId }).strict(),
      output: z.object({ cancelled: z.boolean() }),
    }),
  },
  events: {
    'inference.status': InferenceStatus,
    'job.progress': JobProgress,
    'generation.progress': GenerationProgress,
  },
});
export type StudioContract = typeof studioContract;

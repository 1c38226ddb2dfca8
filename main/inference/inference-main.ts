import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { inferenceContract } from '../../app/contract/inference';
import { StudioError } from '../../app/rpc/errors';
import { createEmitter, createRouter } from '../../app/rpc/router';
import { Engine } from '../engine/engine';
import { SceneGraphConflictError } from '../engine/conditioning/plan';
import { ModelError } from '../engine/model/model-error';
import { ImageError } from '../images/image-error';
import { openParentChannel } from './parent-channel';
import { APP_VERSION_FLAG, CACHE_DIR_FLAG, MODELS_DIR_FLAG, readFlag } from './process-args';
import { ProviderProbe } from './provider-probe';
import { removePartialFiles } from '../files/write-atomic';
import { SerialQueue } from '../../app/domain/serial-queue';

/**
 * Entry of the inference process. onnxruntime-node's `session.run` blocks
 * its thread for the whole run, so sessions live here, never in main or the
 * renderer; a native crash here takes down only this process, which main restarts.
 */
const channel = openParentChannel();
const emit = createEmitter(inferenceContract.events, channel.send);
const probe = new ProviderProbe(join(readFlag(process.argv, MODELS_DIR_FLAG), 'probe', 'add-one.onnx'), (progress) => emit('job.progress', progress));
const engine = new Engine({
  platform: process.platform,
  version: readFlag(process.argv, APP_VERSION_FLAG),
  cacheDir: readFlag(process.argv, CACHE_DIR_FLAG),
  probedProviders: () => probe.report(false),
});
// A crash mid-write leaves .partial files behind: they are never read, only in the way.
void removePartialFiles(readFlag(process.argv, CACHE_DIR_FLAG));
const jobs = new Map<string, AbortController>();
/** Generations (and warm-ups, unloads) run one at a time: they share the loaded model and the machine. */
const queue = new SerialQueue();

/** The warm-up going or waiting, if any: any generation stops it (between calls), as does the next warm-up. */
let warming: AbortController | null = null;

/** How often a quiet run (live mode's) reports progress: enough for main's hang watch, too seldom to cost the page. */
const QUIET_HEARTBEAT_MS = 5000;

/** Lets queued messages (a cancel) in between steps: session.run keeps the thread while it runs. */
const yieldToMessages = () => new Promise<void>((resolve) => setImmediate(resolve));

const router = createRouter(inferenceContract.calls, {
  'engine.hello': () => ({ pid: process.pid, onnxruntime: ort.env.versions.common }),
  'engine.providers': ({ refresh }) => probe.report(refresh),
  'engine.generate': ({ jobId, request, quiet }) => {
    if (jobs.has(jobId)) throw new StudioError('invalid-input', `Job ${jobId} is already running`);
    const controller = new AbortController();
    jobs.set(jobId, controller);
    warming?.abort();
    let heard = Date.now();
    const run = queue.run(() =>
      engine.run(request, {
        signal: controller.signal,
        onProgress: async (progress) => {
          // A quiet run still says now and then that it is alive: main's hang watch counts on progress.
          if (!quiet || Date.now() - heard > QUIET_HEARTBEAT_MS) {
            heard = Date.now();
            emit('generation.progress', { jobId, ...progress });
          }
          await yieldToMessages();
        },
        ...(quiet ? { previewIntervalMs: Infinity } : {}),
      }),
    );
    return run.catch(asStudioError(controller.signal)).finally(() => jobs.delete(jobId));
  },
  'engine.warm': ({ request }) => {
    warming?.abort();
    const controller = new AbortController();
    warming = controller;
    const run = queue.run(() => (controller.signal.aborted ? null : engine.warm(request, controller.signal)));
    return run
      .then(
        (done) => ({ warmed: done !== null, warmMs: done?.warmMs ?? 0 }),
        (error: unknown) => {
          if (controller.signal.aborted) return { warmed: false, warmMs: 0 };
          return asStudioError(controller.signal)(error);
        },
      )
      .finally(() => {
        if (warming === controller) warming = null;
      });
  },
  'engine.unload': async () => {
    await queue.run(() => engine.release());
    return { released: true as const };
  },
  'engine.cancel': ({ jobId }) => {
    const job = jobs.get(jobId);
    job?.abort();
    return { cancelled: job !== undefined };
  },
});

function asStudioError(signal: AbortSignal) {
  return (error: unknown): never => {
    if (signal.aborted) throw new StudioError('cancelled', 'The generation was cancelled');
    if (error instanceof ModelError) throw new StudioError('model-error', error.message);
    if (error instanceof ImageError) throw new StudioError('invalid-asset', error.message);
    if (error instanceof SceneGraphConflictError) throw new StudioError('scene-graph-conflict', error.message);
    throw error;
  };
}

channel.onMessage((raw) => {
  void router.handle(raw, undefined).then(channel.send);
});

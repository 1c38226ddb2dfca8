import type { EventMessage } from '../../app/contract/wire';
import { studioContract, type AppInfo } from '../../app/contract/studio';
import { createEmitter, createRouter, type Router } from '../../app/rpc/router';
import { InferenceSupervisor } from './inference-supervisor';
import { listModels } from './model-library';
import type { LaunchInference } from './inference-child';

export interface BackendOptions {
  readonly mode: AppInfo['mode'];
  readonly version: string;
  readonly launchInference: LaunchInference;
  /** Folders holding models (each a model or a folder of models). */
  readonly modelDirs: readonly string[];
  /** Where generated images and their sidecars are written. */
  readonly galleryDir: string;
  readonly electron?: { readonly electron: string; readonly chrome: string };
}

/** A connected renderer, as the backend sees it: somewhere to push events. */
export type Subscriber = (message: EventMessage) => void;

export interface StudioBackend {
  readonly router: Router<void>;
  readonly supervisor: InferenceSupervisor;
  /** Adds a renderer connection to the event broadcast; returns its removal. */
  subscribe(subscriber: Subscriber): () => void;
  stop(): Promise<void>;
}

/**
 * Everything main does for the renderer, independent of transport: the
 * handlers of the studio contract and the events broadcast to every
 * connected renderer. Electron IPC and the WebSocket server both sit on this.
 */
export function createStudioBackend(options: BackendOptions): StudioBackend {
  const subscribers = new Set<Subscriber>();
  const emit = createEmitter(studioContract.events, (message) => {
    for (const subscriber of subscribers) subscriber(message);
  });
  const supervisor = new InferenceSupervisor({
    launch: options.launchInference,
    onStatus: (status) => emit('inference.status', status),
    onEvent: (name, payload) => emit(name, payload),
  });

  const router = createRouter(studioContract.calls, {
    'app.info': async () => {
      // Asked first: the answer waits for a (re)starting process, and the state below should be read after that.
      const executionProviders = await supervisor.call('engine.providers', { refresh: false }).catch(() => []);
      return {
      name: 'Wordbrush',
      version: options.version,
      mode: options.mode,
      platform: process.platform,
      arch: process.arch,
      versions: {
        node: process.versions.node,
        electron: options.electron?.electron ?? null,
        chrome: options.electron?.chrome ?? null,
        onnxruntime: supervisor.engineVersion(),
      },
      inference: supervisor.status(),
      executionProviders,
      };
    },
    'app.ping': ({ nonce }) => ({ nonce, receivedAt: Date.now() }),
    'inference.status': () => supervisor.status(),
    'inference.restart': () => supervisor.restart(),
    'inference.providers': ({ refresh }) => supervisor.call('engine.providers', { refresh }),
    'models.list': () => listModels(options.modelDirs),
    generate: ({ jobId, settings }) => supervisor.call('engine.generate', { jobId, request: { ...settings, outputDir: options.galleryDir } }),
    'generate.cancel': ({ jobId }) => supervisor.call('engine.cancel', { jobId }),
  });

  supervisor.start();
  return {
    router,
    supervisor,
    subscribe(subscriber) {
      subscribers.add(subscriber);
      return () => subscribers.delete(subscriber);
    },
    stop: () => supervisor.stop(),
  };
}

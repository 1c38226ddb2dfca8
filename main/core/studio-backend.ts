import type { EventMessage } from '../../app/contract/wire';
import { studioContract, type AppInfo } from '../../app/contract/studio';
import { createEmitter, createRouter, type Router } from '../../app/rpc/router';
import { InferenceSupervisor } from './inference-supervisor';
import type { LaunchInference } from './inference-child';
import { removePartialFiles } from '../engine/output/output-folder';
import { DownloadManager } from '../models/hub/download-manager';
import type { RetryPolicy } from '../models/hub/hub-fetch';
import { HubToken, type TokenCipher } from '../models/hub/hub-token';
import { modelCalls } from '../models/model-calls';
import { ModelLibrary, type LibraryOptions } from '../models/model-library';

export interface BackendOptions {
  readonly mode: AppInfo['mode'];
  readonly version: string;
  readonly launchInference: LaunchInference;
  /** The user's model folder and the folders only read (bundled, --models). */
  readonly models: LibraryOptions;
  /** Where generated images and their sidecars are written. */
  readonly galleryDir: string;
  /** models/catalog.json. */
  readonly catalogFile: string;
  readonly hubTokenFile: string;
  /** Electron's safeStorage; absent in browser mode, where the token file is private to the user. */
  readonly tokenCipher?: TokenCipher;
  /** Shows a folder in the file manager (Electron's shell). */
  readonly openFolder?: (path: string) => Promise<boolean>;
  /** HF_ENDPOINT and HF_TOKEN are read from here (process.env unless a test says otherwise). */
  readonly env?: NodeJS.ProcessEnv;
  readonly hubRetry?: RetryPolicy;
  readonly electron?: { readonly electron: string; readonly chrome: string };
}

/** A connected renderer, as the backend sees it: somewhere to push events. */
export type Subscriber = (message: EventMessage) => void;

export interface StudioBackend {
  readonly router: Router<void>;
  readonly supervisor: InferenceSupervisor;
  readonly library: ModelLibrary;
  readonly downloads: DownloadManager;
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

  const library = new ModelLibrary(options.models);
  const token = new HubToken(options.hubTokenFile, options.tokenCipher ?? null, options.env);
  const changed = () => emit('models.changed', {});
  const downloads = new DownloadManager({
    library,
    hub: { endpoint: token.endpoint, token: () => token.read() },
    onStatus: (status) => emit('models.download', status),
    onInstalled: changed,
    ...(options.hubRetry ? { retry: options.hubRetry } : {}),
  });
  /** The model each running generation uses, by job. */
  const running = new Map<string, string>();

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
    ...modelCalls({
      library,
      downloads,
      token,
      catalogFile: options.catalogFile,
      inUse: () => new Set(running.values()),
      unload: () => supervisor.call('engine.unload', {}),
      openFolder: options.openFolder,
      changed,
    }),
    generate: async ({ jobId, settings }) => {
      const { folder } = await library.resolve(settings.model);
      running.set(jobId, settings.model);
      try {
        const result = await supervisor.call('engine.generate', { jobId, request: { ...settings, model: folder, outputDir: options.galleryDir } });
        await library.touch(settings.model).catch(() => undefined);
        return result;
      } finally {
        running.delete(jobId);
      }
    },
    'generate.cancel': ({ jobId }) => supervisor.call('engine.cancel', { jobId }),
  });

  supervisor.start();
  void removePartialFiles(options.galleryDir);
  const restored = downloads.restore().catch(() => undefined);
  return {
    router,
    supervisor,
    library,
    downloads,
    subscribe(subscriber) {
      subscribers.add(subscriber);
      return () => subscribers.delete(subscriber);
    },
    stop: async () => {
      await restored;
      await downloads.stopAll();
      await supervisor.stop();
    },
  };
}

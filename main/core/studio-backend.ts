import { constants, existsSync } from 'node:fs';
import { access, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { folderProblem, markFolder, type ManagedRole } from './folder-rules';
import { DEFAULT_SETTINGS, type SettingsChange } from '../../app/contract/settings';
import type { EventMessage, ResultMessage } from '../../app/contract/wire';
import { studioContract, type AppInfo, type StudioContract } from '../../app/contract/studio';
import { StudioError } from '../../app/rpc/errors';
import { createEmitter, createRouter, type Router } from '../../app/rpc/router';
import { InferenceSupervisor } from './inference-supervisor';
import type { LaunchInference } from './inference-child';
import { removePartialFiles } from '../files/write-atomic';
import { DownloadManager } from '../models/hub/download-manager';
import type { RetryPolicy } from '../models/hub/hub-fetch';
import { HubToken, type TokenCipher } from '../models/hub/hub-token';
import { modelCalls } from '../models/model-calls';
import { ModelLibrary, type LibraryOptions } from '../models/model-library';
import { Gallery } from '../gallery/gallery';
import { LIVE_FOLDER } from '../../app/contract/gallery';
import type { SettingsStore } from './settings-store';
import { DocumentError, migrateDocument } from '../../app/document/document';
import type { RunSettings } from '../../app/document/run-settings';
import { ProjectError } from '../projects/project-file';
import { ProjectStore, type ProjectData } from '../projects/project-store';
import { AssetStore } from '../assets/asset-store';
import type { AssetRef } from '../../app/contract/conditioning';
import type { ModelEntry } from '../../app/contract/models';
import { estimateRunMemory } from '../models/run-memory';
import { FAMILIES } from '../engine/model/family';
import { providerOrder } from '../engine/onnx/execution';
import type { GenerationRequest, GenerationSettings } from '../../app/contract/generation';
import type { z } from 'zod';

type ParsedGenerationSettings = z.output<typeof GenerationSettings>;

export interface BackendOptions {
  readonly mode: AppInfo['mode'];
  /** The studio's data folder: settings, projects, assets and the cache are in it; no library or gallery may hold it. */
  readonly dataDir: string;
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
  /** Where projects are saved (the data folder's projects/). */
  readonly projectsDir: string;
  /** Where uploaded pictures are kept (the data folder's assets/). */
  readonly assetsDir: string;
  /** The studio's settings (a store on a settings.json); tests may leave it out for the defaults. */
  readonly settings?: SettingsStore;
  /** Generations running or waiting at most, all connections together (default 16); more are refused as busy. */
  readonly maxQueuedJobs?: number;
  /**
   * How long the inference process may work on generations without a sign of
   * progress (a step, a finished job) before it counts as hung, is killed and
   * restarted (default 10 minutes: loading and patching a large model included).
   */
  readonly hangTimeoutMs?: number;
  readonly electron?: { readonly electron: string; readonly chrome: string };
}

/** The settings as the renderer sees them, with where the folders are now (they move at the next start). */
function settingsView(store: SettingsStore | null) {
  const { settings, problem } = store?.get() ?? { settings: DEFAULT_SETTINGS, problem: null };
  return { settings, problem };
}

/**
 * A folder the user names must be one the studio may own (folder-rules.ts)
 * and can make and write; said per field before anything is stored, and
 * marked as the studio's once accepted.
 */
async function checkFolders(change: SettingsChange, options: BackendOptions, current: { libraryDir: string; galleryDir: string }): Promise<void> {
  const fields = { libraryDir: 'library', galleryDir: 'gallery' } as const;
  for (const [field, role] of Object.entries(fields) as [keyof typeof fields, ManagedRole][]) {
    const folder = change[field];
    if (!folder) continue;
    const other = role === 'library' ? (change.galleryDir ?? current.galleryDir) : (change.libraryDir ?? current.libraryDir);
    const problem = folderProblem(role, folder, {
      dataDir: options.dataDir,
      defaultFolder: join(options.dataDir, role === 'library' ? 'models' : 'gallery'),
      otherManaged: [other, options.projectsDir, options.assetsDir, dirname(options.hubTokenFile) === options.dataDir ? null : dirname(options.hubTokenFile)].filter((f): f is string => f !== null),
    });
    if (problem) throw new StudioError('invalid-input', `${folder} cannot be used`, [{ path: field, message: problem }]);
    try {
      await mkdir(folder, { recursive: true });
      await access(folder, constants.W_OK);
      await markFolder(role, folder);
    } catch (error) {
      throw new StudioError('invalid-input', `${folder} cannot be used`, [{ path: field, message: `${folder} cannot be made or written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` }]);
    }
  }
}

/** A project problem as the contract's error, in its words. */
async function projectCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ProjectError || error instanceof DocumentError) throw new StudioError('project-error', error.message);
    throw error;
  }
}

/** The renderer is untrusted: its document is checked (and migrated) here before anything is written. */
function checked(data: { document?: unknown; assets: Record<string, string>; panel?: RunSettings | null }): ProjectData {
  return { document: migrateDocument(data.document), assets: data.assets, panel: data.panel ?? null };
}

/** The pixels of a document kept with a result, read from the assets the renderer uploaded (by the document's asset ids). */
async function keptAssets(refs: Readonly<Record<string, AssetRef>>, assets: AssetStore): Promise<Record<string, string>> {
  return Object.fromEntries(await Promise.all(Object.entries(refs).map(async ([id, ref]) => [id, await assets.dataUrl(ref)] as const)));
}

/** A connected renderer, as the backend sees it: somewhere to push events. */
export type Subscriber = (message: EventMessage) => void;

/** The calls of one renderer connection (a browser tab's socket, a window's IPC): what it started ends with it. */
export interface Connection {
  handle(raw: unknown): Promise<ResultMessage>;
  /** The connection is gone: its generations are cancelled. */
  close(): void;
}

/** What a handler knows of its caller. */
interface Caller {
  /** Names the connection to what it owns (its uploads). */
  readonly id: string;
  /** Generations this connection started that have not ended. */
  readonly jobs: Set<string>;
}

export interface StudioBackend {
  /** A new renderer connection to route calls for. */
  connect(): Connection;
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
  /** Generations sent on to the inference process and not yet answered, and when it last showed progress on them. */
  const dispatched = new Set<string>();
  let lastProgress = Date.now();
  const supervisor = new InferenceSupervisor({
    launch: options.launchInference,
    onStatus: (status) => emit('inference.status', status),
    onEvent: (name, payload) => {
      if (name === 'generation.progress') lastProgress = Date.now();
      emit(name, payload);
    },
  });
  const hangTimeoutMs = options.hangTimeoutMs ?? 10 * 60_000;
  const watchdog = setInterval(() => {
    if (dispatched.size === 0 || Date.now() - lastProgress < hangTimeoutMs) return;
    const seconds = Math.round(hangTimeoutMs / 1000);
    supervisor.killHung(new StudioError('inference-hung', `The generation made no progress for ${seconds} s; the inference process was stopped and is starting again`));
  }, Math.min(1000, hangTimeoutMs / 4));
  watchdog.unref();

  const library = new ModelLibrary(options.models);
  const token = new HubToken(options.hubTokenFile, options.tokenCipher ?? null, options.env);
  const changed = () => emit('models.changed', {});
  const gallery = new Gallery(options.galleryDir);
  const projects = new ProjectStore(options.projectsDir);
  const assets = new AssetStore(options.assetsDir);
  const store = options.settings ?? null;
  const downloads = new DownloadManager({
    library,
    hub: { endpoint: token.endpoint, token: () => token.read() },
    onStatus: (status) => emit('models.download', status),
    onInstalled: changed,
    ...(options.hubRetry ? { retry: options.hubRetry } : {}),
  });
  /** Each generation main holds, by job: its model, and whether a cancel came before it reached the inference process. */
  const running = new Map<string, { model: string; cancelled: boolean }>();

  const maxQueued = options.maxQueuedJobs ?? 16;
  const router: Router<Caller> = createRouter<StudioContract['calls'], Caller>(studioContract.calls, {
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
      inUse: () => new Set([...running.values()].map((job) => job.model)),
      unload: () => supervisor.call('engine.unload', {}),
      openFolder: options.openFolder,
      changed,
    }),
    generate: async ({ jobId, settings, document, live }, caller) => {
      // Checked before anything runs: a document main cannot read is refused, not kept.
      const kept = document && !live ? await projectCall(async () => checked({ document: document.document, assets: await keptAssets(document.assets, assets), panel: null })) : null;
      // Each waiting job holds its request and a pending call in main: past the bound the answer is "busy", not memory.
      if (running.size >= maxQueued) throw new StudioError('busy', `The studio is busy: ${running.size} generations are running or queued; wait for one to finish or cancel one`);
      if (running.has(jobId)) throw new StudioError('invalid-input', `Job ${jobId} is already running`);
      const job = { model: settings.model, cancelled: false };
      running.set(jobId, job);
      caller.jobs.add(jobId);
      try {
        const { folder, entry } = await library.resolve(settings.model);
        if (job.cancelled) throw new StudioError('cancelled', 'The generation was cancelled');
        if (dispatched.size === 0) lastProgress = Date.now();
        dispatched.add(jobId);
        const provider = settings.provider ?? store?.get().settings.defaultProvider ?? undefined;
        // The renderer's pictures are asset ids; the engine gets their pixels instead.
        const { init, mask, conditioning, experts: expertIds, ...run } = settings;
        const experts = expertIds && (await Promise.all(expertIds.map(async ({ model, switchAt }) => ({ switchAt, ...(await library.resolve(model).then((r) => ({ model: r.folder, ...familyOf(r.entry) }))) }))));
        const pictures = await engineImages({ init, mask, conditioning }, assets);
        const outputDir = live ? join(options.galleryDir, LIVE_FOLDER) : options.galleryDir;
        const request = { ...familyOf(entry), ...run, ...pictures, ...(provider ? { provider } : {}), ...(experts ? { experts } : {}), model: folder, outputDir };
        const result = await supervisor.call('engine.generate', { jobId, request, ...(live ? { quiet: true } : {}) }).finally(() => {
          dispatched.delete(jobId);
          lastProgress = Date.now();
        });
        await library.touch(settings.model).catch(() => undefined);
        const ids = result.images.map((image) => Gallery.idOf(image.path));
        if (live) {
          await pruneLive(outputDir);
          return { ...result, images: result.images.map((image, i) => ({ id: ids[i]!, seed: image.seed, width: image.width, height: image.height })) };
        }
        if (kept) for (const id of ids) await projectCall(() => projects.writeDocument(gallery.documentPath(id), kept));
        emit('gallery.changed', { added: await gallery.entries(ids), removed: [] });
        return { ...result, images: result.images.map((image, i) => ({ id: ids[i]!, seed: image.seed, width: image.width, height: image.height })) };
      } finally {
        running.delete(jobId);
        caller.jobs.delete(jobId);
      }
    },
    'assets.upload': ({ upload, offset, total, data }, caller) => assets.upload(caller.id, upload, offset, total, data),
    'assets.fromGallery': async ({ id, live }) => ({ asset: await assets.put(await gallery.imageBytes(id, live ?? false)) }),
    'projects.list': () => projects.list(),
    'projects.open': ({ name }) => projectCall(() => projects.open(name)),
    'projects.save': ({ name, ...data }) => projectCall(() => projects.save(name, checked(data))),
    'projects.autosave': async ({ name, ...data }) => (await projectCall(() => projects.autosave(name, checked(data))), { autosaved: true as const }),
    'projects.recovery': () => projects.recovery(),
    'projects.restore': () => projectCall(() => projects.restore()),
    'projects.discardAutosave': async () => (await projects.discardAutosave(), { discarded: true as const }),
    'settings.get': () => settingsView(store),
    'settings.set': async (change) => {
      if (!store) throw new StudioError('handler-failed', 'This studio keeps no settings');
      await checkFolders(change, options, { libraryDir: options.models.dir, galleryDir: options.galleryDir });
      await store.update(change);
      return settingsView(store);
    },
    'gallery.list': ({ before, limit }) => gallery.list(before, limit),
    'gallery.get': ({ id }) => gallery.get(id),
    'gallery.delete': async ({ id }) => {
      await gallery.trash(id);
      emit('gallery.changed', { added: [], removed: [id] });
      return { trashed: id };
    },
    'gallery.restore': async ({ id }) => {
      await gallery.restore(id);
      emit('gallery.changed', { added: await gallery.entries([id]), removed: [] });
      return { restored: id };
    },
    'gallery.document': async ({ id }) => {
      const path = gallery.documentPath(id);
      if (!existsSync(path)) throw new StudioError('not-found', `No canvas document was kept with "${id}"`);
      return projectCall(() => projects.readDocument(path));
    },
    'gallery.openFolder': async () => ({ opened: options.openFolder ? await options.openFolder(options.galleryDir) : false }),
    'gallery.emptyTrash': async () => ({ deleted: await gallery.emptyTrash() }),
    'gallery.star': async ({ id, starred }) => {
      await gallery.star(id, starred);
      emit('gallery.changed', { added: await gallery.entries([id]), removed: [] });
      return { id, starred };
    },
    'generate.warm': async ({ model, provider: chosen, ...size }) => {
      // A running or queued generation has the machine; a warm-up then would only slow it.
      if (running.size > 0) return { warmed: false, warmMs: 0 };
      const { folder, entry } = await library.resolve(model);
      // The provider the run will take, so the run finds this model loaded.
      const provider = chosen ?? store?.get().settings.defaultProvider ?? undefined;
      return supervisor.call('engine.warm', { request: { ...familyOf(entry), ...size, ...(provider ? { provider } : {}), model: folder } });
    },
    'generate.estimate': async ({ model, provider: chosen, ...size }) => {
      const { folder, entry } = await library.resolve(model);
      const family = entry.family ?? 'sd1';
      // The provider the run will take: the one chosen, else the best the probe found usable.
      const provider = chosen ?? store?.get().settings.defaultProvider ?? providerOrder(process.platform, await supervisor.call('engine.providers', { refresh: false }))[0] ?? 'cpu';
      return estimateRunMemory(folder, family, { ...size, guidance: FAMILIES[family].guidance }, provider);
    },
    'generate.cancel': async ({ jobId }, caller) => {
      // A window cancels its own generations only: a job id seen elsewhere is no licence to stop another's work.
      if (!caller.jobs.has(jobId)) return { cancelled: false };
      const job = running.get(jobId);
      // Not yet sent on to the inference process (its model is being looked up): it stops here.
      if (job) job.cancelled = true;
      const { cancelled } = await supervisor.call('engine.cancel', { jobId });
      return { cancelled: cancelled || job !== undefined };
    },
  });

  supervisor.start();
  let connections = 0;
  void removePartialFiles(options.galleryDir);
  void projects.removeLeftovers();
  const restored = downloads.restore().then(
    (problems) => problems.forEach((problem) => console.warn(`Wordbrush: ${problem}`)),
    (error: unknown) => console.warn(`Wordbrush: unfinished downloads could not be restored: ${(error as Error).message}`),
  );
  return {
    connect() {
      const caller: Caller = { id: `connection-${++connections}`, jobs: new Set() };
      return {
        handle: (raw) => router.handle(raw, caller),
        close: () => {
          for (const jobId of caller.jobs) {
            const job = running.get(jobId);
            if (job) job.cancelled = true;
            void supervisor.call('engine.cancel', { jobId }).catch(() => undefined);
          }
          assets.forget(caller.id);
        },
      };
    },
    supervisor,
    library,
    downloads,
    subscribe(subscriber) {
      subscribers.add(subscriber);
      return () => subscribers.delete(subscriber);
    },
    stop: async () => {
      clearInterval(watchdog);
      await restored;
      await downloads.stopAll();
      await supervisor.stop();
    },
  };
}

/**
 * The settings' pictures as the engine takes them: the files of the assets
 * the renderer uploaded (pixels cross to the inference process by path,
 * once), never a path the renderer named.
 */
async function engineImages(settings: Pick<ParsedGenerationSettings, 'init' | 'mask' | 'conditioning'>, assets: AssetStore): Promise<Pick<GenerationRequest, 'init' | 'mask' | 'conditioning'>> {
  const { init, mask, conditioning } = settings;
  return {
    ...(init ? { init: { image: await assets.filePath(init.asset), strength: init.strength } } : {}),
    ...(mask ? { mask: await assets.filePath(mask) } : {}),
    ...(conditioning
      ? {
          conditioning: {
            ...conditioning,
            regions: await Promise.all(conditioning.regions.map(async (r) => ({ ...r, mask: r.mask.kind === 'asset' ? { kind: 'image' as const, png: await assets.filePath(r.mask.asset) } : r.mask }))),
          },
        }
      : {}),
  };
}

/** How many live runs' files the gallery's live folder keeps: a live session never fills the disk. */
const LIVE_KEPT = 8;

async function pruneLive(dir: string): Promise<void> {
  const files = await readdir(dir).catch(() => [] as string[]);
  const dated = await Promise.all(files.map(async (name) => ({ name, at: await stat(join(dir, name)).then((s) => s.mtimeMs, () => 0) })));
  const old = dated.sort((a, b) => b.at - a.at).slice(LIVE_KEPT);
  await Promise.all(old.map(({ name }) => rm(join(dir, name), { force: true })));
}

/** The family set in the Models panel holds for every run of the model, an expert's included. */
const familyOf = (e: ModelEntry) => (e.familyOverridden && e.family ? { family: e.family } : {});

import { z } from 'zod';
import { defineCall, defineContract } from './define';
import { GenerationProgress, GenerationResult, GenerationSettings, FamilyId, JobId } from './generation';
import { JobProgress } from './inference';
import { GalleryEntry, GalleryId, GalleryPage, GalleryRecord } from './gallery';
import { SettingsChange, StudioSettings } from './settings';
import { ProjectName } from './project-name';
import { AssetRef } from './conditioning';
import { RunSettings } from '../document/run-settings';
import { AssetId } from '../document/document';

/** A project as it crosses the wire: the canvas document (checked by main), its assets as PNG data URLs, the run's settings (null: none were kept). */
/** An asset id as the canvas document names it. */
const ProjectData = z
  .object({
    document: z.unknown(),
    assets: z.record(AssetId, z.string().regex(/^data:image\/png;base64,/).max(48_000_000)),
    panel: RunSettings.nullable(),
  })
  .strict();
const SavedProject = z.object({ name: ProjectName, savedAt: z.string() });
import { CatalogEntry, DownloadRequest, DownloadStatus, HubTokenStatus, ModelEntry, ModelId, ModelListing, VerifyReport } from './models';
import { ExecutionProviderName, ProviderReport } from './providers';

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



/** A generation's result as the renderer gets it: its images by gallery id, never by path. */
/** What a run will need, said before it runs. */
export const MemoryEstimate = z.object({
  weightsBytes: z.number().nonnegative(),
  runBytes: z.number().nonnegative(),
  /** The machine's RAM on CPU; on a GPU, whose memory cannot be read, a bound no device exceeds. */
  availableBytes: z.number().nonnegative(),
  /** Null when the weights alone do not fit. */
  largestSide: z.number().int().nullable(),
  device: z.enum(['ram', 'device']),
});
export type MemoryEstimate = z.infer<typeof MemoryEstimate>;

export const StudioGenerationResult = GenerationResult.omit({ images: true }).extend({
  images: z.array(z.object({ id: GalleryId, seed: z.number().int(), width: z.number().int(), height: z.number().int() })),
});
export type StudioGenerationResult = z.infer<typeof StudioGenerationResult>;

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
      summary: 'The models the library knows, each with its problem when it has one; a folder that cannot be read is reported, never thrown.',
      input: z.object({}).strict(),
      output: ModelListing,
    }),
    'models.import': defineCall({
      summary: 'Add a model from a folder or a .zip (copied, or a folder registered where it lies); checked completely before the library changes.',
      input: z
        .object({ path: z.string().min(1).max(4096), inPlace: z.boolean().default(false), id: ModelId.optional(), name: z.string().min(1).max(200).optional() })
        .strict(),
      output: ModelEntry,
    }),
    'models.download': defineCall({
      summary: 'Start downloading a model from the hub; progress arrives as models.download events. The same repository asked twice joins the running download.',
      input: DownloadRequest,
      output: DownloadStatus,
    }),
    'models.downloads': defineCall({
      summary: 'Downloads under way, paused (also from an earlier run), failed or finished since main started.',
      input: z.object({}).strict(),
      output: z.array(DownloadStatus),
    }),
    'models.download.pause': defineCall({
      summary: 'Pause a download; what it fetched is kept.',
      input: z.object({ id: ModelId }).strict(),
      output: DownloadStatus,
    }),
    'models.download.resume': defineCall({
      summary: 'Go on with a paused or failed download from where it stopped.',
      input: z.object({ id: ModelId }).strict(),
      output: DownloadStatus,
    }),
    'models.download.cancel': defineCall({
      summary: 'Stop a download and delete what it fetched.',
      input: z.object({ id: ModelId }).strict(),
      output: DownloadStatus,
    }),
    'models.tokenizer': defineCall({
      summary: "A model's CLIP tokenizer files (vocab and merges) and padding token, so the prompt editor shows the tokens the engine will encode.",
      input: z.object({ id: ModelId }).strict(),
      output: z.object({ vocab: z.record(z.string(), z.number().int()), merges: z.string(), padToken: z.string() }),
    }),
    'models.verify': defineCall({
      summary: "Re-hash a model's files against its manifest and check its structure.",
      input: z.object({ id: ModelId }).strict(),
      output: VerifyReport,
    }),
    'models.remove': defineCall({
      summary: 'Delete a library model (a registered one loses only its entry); refused while a generation uses it.',
      input: z.object({ id: ModelId }).strict(),
      output: z.object({ removed: z.literal(true) }),
    }),
    'models.rename': defineCall({
      summary: "Change a model's display name (its id stays).",
      input: z.object({ id: ModelId, name: z.string().trim().min(1).max(200) }).strict(),
      output: ModelEntry,
    }),
    'models.setFamily': defineCall({
      summary: 'Override the detected family (null goes back to the detected one).',
      input: z.object({ id: ModelId, family: FamilyId.nullable() }).strict(),
      output: ModelEntry,
    }),
    'models.setDefault': defineCall({
      summary: 'The model the studio selects when it opens.',
      input: z.object({ id: ModelId }).strict(),
      output: ModelListing,
    }),
    'models.openFolder': defineCall({
      summary: "Show the model's folder in the file manager (desktop app only).",
      input: z.object({ id: ModelId }).strict(),
      output: z.object({ opened: z.boolean() }),
    }),
    'models.catalog': defineCall({
      summary: 'Public diffusers-ONNX models that can be downloaded in one click, with the id each has in the library when present.',
      input: z.object({}).strict(),
      output: z.array(CatalogEntry.extend({ installedId: ModelId.nullable() })),
    }),
    'settings.get': defineCall({
      summary: "The studio's settings, and why its settings file was not used when it could not be.",
      input: z.object({}).strict(),
      output: z.object({ settings: StudioSettings, problem: z.string().nullable() }),
    }),
    'settings.set': defineCall({
      summary: 'Change settings; each is validated (folders must be full paths the studio can write) before any is stored.',
      input: SettingsChange,
      output: z.object({ settings: StudioSettings, problem: z.string().nullable() }),
    }),
    'assets.upload': defineCall({
      summary:
        'Upload a PNG (a painted mask, a start image) in order, in base64 chunks of at most 1 MiB; the last chunk answers the asset id that generations name it by. Bounded in size and pixels; anything but a PNG is refused.',
      input: z
        .object({
          /** Chosen by the uploader; one upload at a time per id. */
          upload: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
          offset: z.number().int().min(0),
          total: z.number().int().min(1),
          data: z.string().min(1).max(1024 * 1024).regex(/^[A-Za-z0-9+/]+={0,2}$/, 'Base64'),
        })
        .strict(),
      output: z.object({ asset: AssetRef.nullable(), received: z.number().int() }),
    }),
    'assets.fromGallery': defineCall({
      summary:
        "Make a result an asset (the canvas took it as a picture): main stores the gallery's own file, so a later run from it uploads nothing. A live result is named with `live`.",
      input: z.object({ id: GalleryId, live: z.boolean().optional() }).strict(),
      output: z.object({ asset: AssetRef }),
    }),
    'projects.list': defineCall({
      summary: 'Saved projects by name, most recently saved first.',
      input: z.object({}).strict(),
      output: z.array(SavedProject),
    }),
    'projects.open': defineCall({
      summary: 'Open a saved project; a damaged one or one from a newer Wordbrush is refused in words and left as it is.',
      input: z.object({ name: ProjectName }).strict(),
      output: ProjectData,
    }),
    'projects.save': defineCall({
      summary: 'Save the project under a name, atomically (a crash never leaves half a file); the autosave is dropped.',
      input: ProjectData.extend({ name: ProjectName }).strict(),
      output: SavedProject,
    }),
    'projects.autosave': defineCall({
      summary: 'Keep the open project aside, to be offered back after a crash.',
      input: ProjectData.extend({ name: ProjectName.nullable() }).strict(),
      output: z.object({ autosaved: z.literal(true) }),
    }),
    'projects.recovery': defineCall({
      summary: 'What an earlier run left unsaved (its project name, when it had one), or null.',
      input: z.object({}).strict(),
      output: z.object({ name: ProjectName.nullable(), savedAt: z.string() }).nullable(),
    }),
    'projects.restore': defineCall({
      summary: 'The autosaved project.',
      input: z.object({}).strict(),
      output: ProjectData,
    }),
    'projects.discardAutosave': defineCall({
      summary: 'Forget the autosave (the user chose not to restore it, or closed without changes).',
      input: z.object({}).strict(),
      output: z.object({ discarded: z.literal(true) }),
    }),
    'gallery.list': defineCall({
      summary: 'The gallery, newest first, a page at a time: results, images copied in by hand and other tools\' PNGs (their parameters read).',
      input: z.object({ before: GalleryId.nullable().default(null), limit: z.number().int().min(1).max(200).default(60) }).strict(),
      output: GalleryPage,
    }),
    'gallery.get': defineCall({
      summary: "Everything recorded with an image: its A1111 text and Wordbrush's request and run report.",
      input: z.object({ id: GalleryId }).strict(),
      output: GalleryRecord,
    }),
    'gallery.delete': defineCall({
      summary: 'Move an image (and its sidecar) to the gallery trash; gallery.restore undoes it.',
      input: z.object({ id: GalleryId }).strict(),
      output: z.object({ trashed: GalleryId }),
    }),
    'gallery.restore': defineCall({
      summary: 'Bring an image back from the trash.',
      input: z.object({ id: GalleryId }).strict(),
      output: z.object({ restored: GalleryId }),
    }),
    'gallery.emptyTrash': defineCall({
      summary: 'Delete what is in the trash for good.',
      input: z.object({}).strict(),
      output: z.object({ deleted: z.number().int().nonnegative() }),
    }),
    'gallery.document': defineCall({
      summary: 'The canvas document a result was made from, when it was kept with it.',
      input: z.object({ id: GalleryId }).strict(),
      output: ProjectData,
    }),
    'gallery.openFolder': defineCall({
      summary: 'Show the gallery folder in the file manager (desktop app only).',
      input: z.object({}).strict(),
      output: z.object({ opened: z.boolean() }),
    }),
    'gallery.star': defineCall({
      summary: 'Star or unstar an image.',
      input: z.object({ id: GalleryId, starred: z.boolean() }).strict(),
      output: z.object({ id: GalleryId, starred: z.boolean() }),
    }),
    'hub.token': defineCall({
      summary: 'Where the hub token comes from and how it is kept; the token itself is never sent.',
      input: z.object({}).strict(),
      output: HubTokenStatus,
    }),
    'hub.token.set': defineCall({
      summary: 'Store a hub token (null removes it).',
      input: z.object({ token: z.string().trim().min(8).max(400).regex(/^[\x21-\x7e]+$/, 'A token is printable characters without spaces').nullable() }).strict(),
      output: HubTokenStatus,
    }),
    generate: defineCall({
      summary: 'Generate images; progress and previews arrive as generation.progress events with the given jobId.',
      input: z
        .object({
          jobId: JobId,
          settings: GenerationSettings,
          /**
           * The canvas document the run came from, kept beside its images so "Use everything" can bring it back.
           * Its pictures travel as uploaded assets (assets.upload), by the document's own asset ids: never inline.
           */
          document: z.object({ document: z.unknown(), assets: z.record(AssetId, AssetRef) }).strict().optional(),
          /**
           * Live mode: the image goes to the gallery's hidden `.live/` folder (served as `/gallery/.live/<id>.png`),
           * which keeps the last few, instead of into the gallery; no document is kept.
           */
          live: z.boolean().optional(),
        })
        .strict(),
      output: StudioGenerationResult,
    }),
    'generate.warm': defineCall({
      summary: "Load a model and run it once at the panel's size while the person is still typing, so the next run's first step is not slow; a run stops it. Nothing while a run is going.",
      input: z.object({ model: ModelId, width: z.number().int().min(64).max(4096).multipleOf(8).optional(), height: z.number().int().min(64).max(4096).multipleOf(8).optional(), cfgScale: z.number().min(0).max(50).optional(), provider: ExecutionProviderName.optional() }).strict(),
      output: z.object({ warmed: z.boolean(), warmMs: z.number() }),
    }),
    'generate.estimate': defineCall({
      summary: "The memory a run of a model at a size needs (weights and the run's peak) against what there is, and the largest square that fits: shown before a run.",
      input: z.object({ model: ModelId, width: z.number().int().min(64).max(4096).multipleOf(8), height: z.number().int().min(64).max(4096).multipleOf(8), cfgScale: z.number().min(0).max(50), provider: ExecutionProviderName.optional() }).strict(),
      output: MemoryEstimate,
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
    'models.download': DownloadStatus,
    /** The library changed (a model added, removed, renamed): list again. */
    'models.changed': z.object({}),
    /** Images added to the gallery (new results, in every window) or taken out of it. */
    'gallery.changed': z.object({ added: z.array(GalleryEntry), removed: z.array(GalleryId) }),
  },
});
export type StudioContract = typeof studioContract;

import { z } from 'zod';
import { FamilyId, SamplerName } from './generation';
import { ModelId } from './model-id';

export { ModelId };


const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);

/** One file of a model, relative to its folder with "/" separators. */
export const ModelFile = z.object({ path: z.string().min(1), size: z.number().int().nonnegative(), sha256: Sha256 });
export type ModelFile = z.infer<typeof ModelFile>;

/** A Hugging Face repository, as a download names it. */
const noDotSegments = (path: string) => path.split('/').every((segment) => segment !== '.' && segment !== '..');
export const HubRepo = z.string().max(200).regex(/^[A-Za-z0-9][\w.-]*\/[\w.-]+$/, 'A repository is "owner/name"').refine(noDotSegments, 'A repository is "owner/name"');

export const ModelSource = z.discriminatedUnion('kind', [
  /** Shipped with the studio. */
  z.object({ kind: z.literal('bundled') }),
  /** Listed from a folder given with --models. */
  z.object({ kind: z.literal('external') }),
  /** Put into the library folder by hand. */
  z.object({ kind: z.literal('found') }),
  /** Imported from a folder or a zip (copied, or registered where it is). */
  z.object({ kind: z.literal('import'), from: z.string(), inPlace: z.boolean() }),
  /** Downloaded from a hub, pinned to the commit it was listed at. */
  z.object({ kind: z.literal('hub'), endpoint: z.string(), repo: HubRepo, revision: z.string(), commit: z.string(), subfolder: z.string().nullable(), variant: z.string().nullable() }),
]);
export type ModelSource = z.infer<typeof ModelSource>;

export const NativeSize = z.object({ width: z.number().int().positive(), height: z.number().int().positive() });

/** What a run on a model starts from in the panel: its family's recommended sampler, steps and guidance at its native size. */
export const RunDefaults = z.object({
  steps: z.number().int().positive(),
  cfgScale: z.number().nonnegative(),
  sampler: SamplerName,
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});
export type RunDefaults = z.infer<typeof RunDefaults>;

/** What the library records about a model, beside its files (`wordbrush-model.json`). */
export const ModelManifest = z.object({
  format: z.literal(1),
  id: ModelId,
  name: z.string().min(1).max(200),
  /** The family the files were detected as when the model was added. */
  detectedFamily: FamilyId.nullable(),
  /** The user's choice, when the detection is wrong. */
  familyOverride: FamilyId.nullable(),
  source: ModelSource,
  /** Set when the model was registered where it lies rather than copied in. */
  folder: z.string().nullable(),
  files: z.array(ModelFile),
  /** The files' sizes summed: what removing the model frees. */
  totalBytes: z.number().int().nonnegative(),
  nativeSize: NativeSize.nullable(),
  addedAt: z.string(),
  lastUsedAt: z.string().nullable(),
});
export type ModelManifest = z.infer<typeof ModelManifest>;
/** A manifest as a new model's maker writes it; the library adds what follows from the files. */
export type NewManifest = Omit<ModelManifest, 'totalBytes'>;

export const ModelLocation = z.enum(['library', 'registered', 'bundled', 'external']);

/** A model as the Models panel and the CLI list it. */
export const ModelEntry = z.object({
  id: ModelId,
  name: z.string(),
  /** The family generation uses: the override when set, else the detected one; null when the model cannot run. */
  family: FamilyId.nullable(),
  detectedFamily: FamilyId.nullable(),
  familyOverridden: z.boolean(),
  /** Why the model is listed but cannot be used, in words naming the file; null when it can. */
  problem: z.string().nullable(),
  /** The files no longer match the manifest recorded when the model was added (found by size; verify re-hashes). */
  manifestMismatch: z.array(z.string()),
  location: ModelLocation,
  source: ModelSource,
  sizeBytes: z.number().int().nonnegative(),
  nativeSize: NativeSize.nullable(),
  /** Settings that suit the model; null when it cannot run. */
  defaults: RunDefaults.nullable(),
  addedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  isDefault: z.boolean(),
  /** Library models can be renamed and removed; bundled and --models folders are only read. */
  managed: z.boolean(),
});
export type ModelEntry = z.infer<typeof ModelEntry>;

export const ModelListing = z.object({
  models: z.array(ModelEntry),
  /** Library folders that could not be read at all (each model in them is missing from the list). */
  problems: z.array(z.string()),
  defaultId: ModelId.nullable(),
  /** Free space where downloads and imports go, when the system says. */
  freeBytes: z.number().nonnegative().nullable(),
});
export type ModelListing = z.infer<typeof ModelListing>;

export const VerifyReport = z.object({
  id: ModelId,
  ok: z.boolean(),
  /** Each file that differs from the manifest, and how. */
  mismatches: z.array(z.object({ path: z.string(), problem: z.string() })),
});
export type VerifyReport = z.infer<typeof VerifyReport>;

export const DownloadRequest = z
  .object({
    repo: HubRepo,
    revision: z.string().min(1).max(200).regex(/^[\w./-]+$/).refine(noDotSegments, 'A revision cannot contain "." or ".."').default('main'),
    /** The folder of the repository that holds model_index.json. */
    subfolder: z.string().max(200).regex(/^[\w.-]+(\/[\w.-]+)*$/).refine(noDotSegments, 'A subfolder cannot contain "." or ".."').nullable().default(null),
    /** Half-precision files where the repository has them beside the full ones ("model.fp16.onnx"). */
    variant: z.enum(['fp16']).nullable().default(null),
    /** The library id to give the model; made from the repository's name when absent. */
    id: ModelId.optional(),
  })
  .strict();
export type DownloadRequest = z.input<typeof DownloadRequest>;

export const DownloadPhase = z.enum(['queued', 'listing', 'downloading', 'verifying', 'paused', 'failed', 'cancelled', 'done']);
export type DownloadPhase = z.infer<typeof DownloadPhase>;

/** A download as it stands: sent as models.download events whenever it moves. */
export const DownloadStatus = z.object({
  id: ModelId,
  repo: HubRepo,
  revision: z.string(),
  subfolder: z.string().nullable(),
  variant: z.string().nullable(),
  commit: z.string().nullable(),
  phase: DownloadPhase,
  /** Why it failed or paused on its own, in words. */
  error: z.string().nullable(),
  files: z.array(z.object({ path: z.string(), size: z.number().int().nonnegative(), done: z.number().int().nonnegative(), verified: z.boolean() })),
  bytesDone: z.number().int().nonnegative(),
  bytesTotal: z.number().int().nonnegative(),
  bytesPerSecond: z.number().nonnegative(),
  /** Seconds left at the current speed; null while unknown. */
  etaSeconds: z.number().nonnegative().nullable(),
});
export type DownloadStatus = z.infer<typeof DownloadStatus>;

/** A model people use, as models/catalog.json lists it. */
export const CatalogEntry = z.object({
  id: ModelId,
  name: z.string(),
  repo: HubRepo,
  revision: z.string().default('main'),
  subfolder: z.string().nullable().default(null),
  family: FamilyId,
  /** Download size in bytes, roughly. */
  sizeBytes: z.number().int().positive(),
  license: z.string(),
  description: z.string(),
  /** Whether the repository's layout was checked against its public file listing, and when. */
  verified: z.string().nullable(),
});
export type CatalogEntry = z.infer<typeof CatalogEntry>;

export const HubTokenStatus = z.object({
  /** Where the token in use comes from: HF_TOKEN, the studio's own store, or none. */
  source: z.enum(['environment', 'stored', 'none']),
  /** How the stored token is protected: the OS keychain through Electron, or a file only this user can read. */
  storage: z.enum(['os-keychain', 'private-file']),
  endpoint: z.string(),
});
export type HubTokenStatus = z.infer<typeof HubTokenStatus>;

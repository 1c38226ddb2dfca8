import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, rmdir, stat, statfs } from 'node:fs/promises';
import { z } from 'zod';
import { basename, join } from 'node:path';
import type { FamilyId } from '../../app/contract/generation';
import { ModelManifest, type ModelEntry, type ModelListing, type ModelSource, type NewManifest, type RunDefaults, type VerifyReport } from '../../app/contract/models';
import { FAMILIES } from '../engine/model/family';
import { writeAtomic } from '../files/write-atomic';
import { SerialQueue } from '../../app/domain/serial-queue';
import { inspectModel, type Inspection } from './inspect-model';
import { hashModelFiles, listModelFiles, manifestMismatches, MANIFEST_FILE, sha256File, type FileStat } from './model-files';
import { LibraryError } from './library-error';
import { parseBoundedJson } from '../../app/domain/bounded-json';

/** A folder the library only reads: the bundled starter model, or one given with --models. */
export interface ReadOnlySource {
  readonly dir: string;
  readonly kind: 'bundled' | 'external';
}

export interface LibraryOptions {
  /** The user's model folder: imports and downloads go here; each subfolder is a model, named by its id. */
  readonly dir: string;
  readonly readOnly: readonly ReadOnlySource[];
}

interface Located {
  readonly id: string;
  /** Where the model's files are. */
  readonly folder: string;
  /** Where its manifest is kept, when the library keeps one. */
  readonly home: string | null;
  readonly location: ModelEntry['location'];
}

const SETTINGS_FILE = 'library.json';
const LibrarySettings = z.object({ defaultId: z.string().max(200).nullable().catch(null), forgotten: z.array(z.string().max(200)).max(10_000).catch([]) });
type LibrarySettings = z.infer<typeof LibrarySettings>;
/** Folders the library makes for its own work (imports, downloads, removals); never models. */
export const WORK_PREFIX = '.';

/**
 * The models the studio knows, by id: the user's library folder (managed:
 * manifests, rename, remove) and read-only sources. Listing never throws for
 * one bad model or folder; each problem is told where it is.
 */
export class ModelLibrary {
  /** Inspections by folder and the state of its files, so a listing re-checks only what changed. */
  private readonly inspections = new Map<string, { key: string; inspection: Inspection }>();
  private readonly readOnlyUse = new Map<string, string>();
  /** Writes to manifests and settings, one at a time. */
  /** Manifest and settings writes, one at a time. */
  private readonly writes = new SerialQueue();

  constructor(readonly options: LibraryOptions) {}

  get dir(): string {
    return this.options.dir;
  }

  async list(): Promise<ModelListing> {
    const problems: string[] = [];
    const located = await this.locateAll(problems);
    const defaultId = await this.defaultId();
    const models: ModelEntry[] = [];
    const seen = new Set<string>();
    for (const model of located) {
      const entry = await this.describe(model).catch((error: Error) => this.unreadable(model, error));
      models.push(seen.has(model.id) ? { ...entry, family: null, problem: `Another model already has the id "${model.id}" (${model.location} folder ${model.folder}); rename one of the folders` } : entry);
      seen.add(model.id);
    }
    const usable = models.filter((m) => m.problem === null);
    const chosen = usable.some((m) => m.id === defaultId) ? defaultId : null;
    return {
      models: models.map((m) => ({ ...m, isDefault: m.id === chosen })),
      problems,
      defaultId: chosen,
      freeBytes: await this.freeBytes(),
    };
  }

  /**
   * The entry and folder of a model, by id; throws when there is none or it
   * cannot run. Only that model is looked at: this runs before every generation.
   */
  async resolve(id: string): Promise<{ entry: ModelEntry; folder: string }> {
    const located = await this.locate(id);
    const entry = await this.describe(located);
    if (entry.problem) throw new LibraryError('model-unusable', `Model "${id}" cannot run: ${entry.problem}`);
    return { entry, folder: located.folder };
  }

  async freeBytes(): Promise<number | null> {
    try {
      await mkdir(this.dir, { recursive: true });
      const fs = await statfs(this.dir);
      return fs.bavail * fs.bsize;
    } catch {
      return null;
    }
  }

  /** A folder inside the library for work in progress: on the same disk, so finishing is a rename. */
  async workFolder(kind: string): Promise<string> {
    const folder = join(this.dir, `${WORK_PREFIX}${kind}-${randomBytes(6).toString('hex')}`);
    await mkdir(folder, { recursive: true });
    return folder;
  }

  /**
   * Moves a checked folder into the library under its id, with its manifest.
   * The rename is the commit: before it the library does not have the model,
   * after it the model is complete.
   */
  async add(staged: string, manifest: NewManifest): Promise<string> {
    await writeAtomic(join(staged, MANIFEST_FILE), JSON.stringify(complete(manifest), null, 2));
    const target = join(this.dir, manifest.id);
    if (existsSync(target) || (await this.locateAll([])).some((m) => m.id === manifest.id)) throw new LibraryError('model-exists', `The library already has a model "${manifest.id}"`);
    await rename(staged, target);
    return target;
  }

  /** The id to give a new model: `wanted` when free, else `wanted-2`, `wanted-3`… */
  async freeId(wanted: string): Promise<string> {
    const taken = new Set((await this.locateAll([])).map((m) => m.id));
    const base = slug(wanted);
    if (!taken.has(base) && !existsSync(join(this.dir, base))) return base;
    for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`) && !existsSync(join(this.dir, `${base}-${n}`))) return `${base}-${n}`;
  }

  async rename(id: string, name: string): Promise<void> {
    await this.updateManifest(id, (m) => ({ ...m, name }));
  }

  async setFamily(id: string, family: FamilyId | null): Promise<void> {
    await this.updateManifest(id, (m) => ({ ...m, familyOverride: family }));
  }

  /** Records that a generation used the model (read-only models are remembered until main exits). */
  async touch(id: string): Promise<void> {
    const now = new Date().toISOString();
    const located = await this.locate(id);
    if (located.home === null) this.readOnlyUse.set(id, now);
    else await this.updateManifest(id, (m) => ({ ...m, lastUsedAt: now }));
  }

  async setDefault(id: string | null): Promise<void> {
    if (id !== null) await this.resolve(id);
    await this.writeLibrarySettings((settings) => ({ ...settings, defaultId: id }));
  }

  /**
   * Takes a model out of the library. What the library made itself (an import
   * copied in, a download) is renamed aside, so it vanishes from listings at
   * once and whole, and then deleted. A model registered where it lies loses
   * only its manifest folder; one put in the library folder by hand is only
   * forgotten: the studio never deletes files it did not create.
   */
  async remove(id: string): Promise<void> {
    const located = await this.locate(id);
    if (located.home === null) throw new LibraryError('not-managed', `Model "${id}" is ${located.location === 'bundled' ? 'bundled with the studio' : `listed from ${located.folder}`}; the library does not remove it`);
    const manifest = await this.readManifest(located.home).catch(() => null);
    const created = manifest !== null && (manifest.source.kind === 'hub' || (manifest.source.kind === 'import' && !manifest.source.inPlace));
    if (located.location === 'registered') {
      await rm(join(located.home, MANIFEST_FILE), { force: true });
      await rmdir(located.home).catch(() => undefined);
    } else if (created) {
      const aside = join(this.dir, `${WORK_PREFIX}removed-${randomBytes(6).toString('hex')}`);
      await rename(located.home, aside);
      await rm(aside, { recursive: true, force: true });
    } else {
      await this.writeLibrarySettings((settings) => ({ ...settings, forgotten: [...new Set([...settings.forgotten, id])].sort() }));
    }
    if ((await this.defaultId()) === id) await this.setDefault(null);
  }

  /** Re-hashes every file against the manifest; read-only models are checked for readability and structure. */
  async verify(id: string): Promise<VerifyReport> {
    const located = await this.locate(id);
    const actual = await listModelFiles(located.folder);
    const mismatches: VerifyReport['mismatches'] = [];
    const manifest = located.home ? await this.readManifest(located.home) : null;
    if (manifest) {
      const byPath = new Map(actual.map((f) => [f.path, f]));
      for (const file of manifest.files) {
        if (!byPath.has(file.path)) {
          mismatches.push({ path: file.path, problem: 'missing' });
          continue;
        }
        const sha256 = await sha256File(join(located.folder, file.path)).catch((error: Error) => `unreadable: ${error.message}`);
        if (sha256 !== file.sha256) mismatches.push({ path: file.path, problem: sha256.startsWith('unreadable') ? sha256 : `content differs (sha256 ${sha256.slice(0, 12)}…, manifest ${file.sha256.slice(0, 12)}…)` });
      }
    } else {
      for (const file of actual) await sha256File(join(located.folder, file.path)).catch((error: Error) => mismatches.push({ path: file.path, problem: `unreadable: ${error.message}` }));
    }
    this.inspections.delete(located.folder);
    const { problem } = await this.inspect(located.folder, actual);
    if (problem) mismatches.push({ path: '(model)', problem });
    return { id, ok: mismatches.length === 0, mismatches };
  }

  async folderOf(id: string): Promise<string> {
    return (await this.locate(id)).folder;
  }

  private async locate(id: string): Promise<Located> {
    const located = (await this.locateAll([])).find((m) => m.id === id);
    if (!located) throw new LibraryError('unknown-model', `There is no model "${id}" in the library`);
    return located;
  }

  private async locateAll(problems: string[]): Promise<Located[]> {
    const located: Located[] = [];
    const forgotten = new Set((await this.librarySettings()).forgotten);
    for (const entry of await this.subfolders(this.dir, problems, 'library')) {
      if (forgotten.has(entry)) continue;
      const folder = join(this.dir, entry);
      const manifest = await this.readManifest(folder).catch(() => null);
      if (manifest?.folder) located.push({ id: entry, folder: manifest.folder, home: folder, location: 'registered' });
      // Only a diffusers model is a model: any other folder someone keeps here is left alone, unlisted and unwritten.
      else if (existsSync(join(folder, 'model_index.json'))) located.push({ id: entry, folder, home: folder, location: 'library' });
    }
    for (const source of this.options.readOnly) {
      if (!existsSync(source.dir)) {
        if (source.kind === 'external') problems.push(`${source.dir} does not exist`);
        continue;
      }
      if (existsSync(join(source.dir, 'model_index.json'))) {
        located.push({ id: basename(source.dir), folder: source.dir, home: null, location: source.kind });
        continue;
      }
      for (const entry of await this.subfolders(source.dir, problems, source.kind)) {
        if (existsSync(join(source.dir, entry, 'model_index.json'))) located.push({ id: entry, folder: join(source.dir, entry), home: null, location: source.kind });
      }
    }
    return located;
  }

  private async subfolders(dir: string, problems: string[], kind: string): Promise<string[]> {
    try {
      if (!existsSync(dir)) return [];
      if (!(await stat(dir)).isDirectory()) {
        problems.push(`${dir} (${kind} models) is a file, not a folder`);
        return [];
      }
      const entries = await readdir(dir, { withFileTypes: true });
      return entries.filter((e) => e.isDirectory() && !e.name.startsWith(WORK_PREFIX)).map((e) => e.name).sort();
    } catch (error) {
      problems.push(`${dir} (${kind} models) cannot be read: ${(error as Error).message}`);
      return [];
    }
  }

  private async describe(model: Located): Promise<ModelEntry> {
    const files = await listModelFiles(model.folder).catch((error: NodeJS.ErrnoException) => {
      if (model.location === 'registered') throw new Error(`its folder ${model.folder} cannot be read (${error.code ?? error.message}); was it moved or deleted?`);
      throw error;
    });
    const inspection = await this.inspect(model.folder, files);
    const manifest = model.home ? await this.ensureManifest(model, files, inspection) : null;
    const mismatch = manifest === 'invalid' ? [`${MANIFEST_FILE} is not a valid manifest`] : manifest ? manifestMismatches(manifest.files, files) : [];
    const recorded = manifest === 'invalid' ? null : manifest;
    const detectedFamily = inspection.detectedFamily;
    const familyOverride = recorded?.familyOverride ?? null;
    return {
      id: model.id,
      name: recorded?.name ?? model.id,
      family: inspection.problem ? null : (familyOverride ?? detectedFamily),
      detectedFamily,
      familyOverridden: familyOverride !== null,
      problem: inspection.problem,
      manifestMismatch: mismatch,
      location: model.location,
      source: recorded?.source ?? sourceOf(model),
      sizeBytes: files.reduce((sum, f) => sum + f.size, 0),
      nativeSize: inspection.nativeSize,
      defaults: runDefaults(inspection.problem ? null : (familyOverride ?? detectedFamily), inspection.nativeSize),
      addedAt: recorded?.addedAt ?? null,
      lastUsedAt: recorded?.lastUsedAt ?? this.readOnlyUse.get(model.id) ?? null,
      isDefault: false,
      managed: model.home !== null,
    };
  }

  private unreadable(model: Located, error: Error): ModelEntry {
    return {
      id: model.id,
      name: model.id,
      family: null,
      detectedFamily: null,
      familyOverridden: false,
      problem: `${model.folder} cannot be read: ${error.message}`,
      manifestMismatch: [],
      location: model.location,
      source: sourceOf(model),
      sizeBytes: 0,
      nativeSize: null,
      defaults: null,
      addedAt: null,
      lastUsedAt: null,
      isDefault: false,
      managed: model.home !== null,
    };
  }

  private async inspect(folder: string, files: readonly FileStat[]): Promise<Inspection> {
    const key = files.map((f) => `${f.path}:${f.size}:${f.mtimeMs}`).join('|');
    const cached = this.inspections.get(folder);
    if (cached?.key === key) return cached.inspection;
    const inspection = await inspectModel(folder);
    this.inspections.set(folder, { key, inspection });
    return inspection;
  }

  /** A model put into the library by hand gets its manifest the first time it is seen. */
  private async ensureManifest(model: Located, files: readonly FileStat[], inspection: Inspection): Promise<ModelManifest | 'invalid'> {
    const home = model.home!;
    if (existsSync(join(home, MANIFEST_FILE))) return (await this.readManifest(home).catch(() => null)) ?? 'invalid';
    const manifest = complete({
      format: 1,
      id: model.id,
      name: model.id,
      detectedFamily: inspection.detectedFamily,
      familyOverride: null,
      source: { kind: 'found' },
      folder: null,
      files: await hashModelFiles(model.folder, files),
      nativeSize: inspection.nativeSize,
      addedAt: new Date().toISOString(),
      lastUsedAt: null,
    });
    // A library folder that cannot be written still lists; its manifest is made again next time.
    await this.writes.run(() => writeAtomic(join(home, MANIFEST_FILE), JSON.stringify(manifest, null, 2))).catch(() => undefined);
    return manifest;
  }

  private async readManifest(home: string): Promise<ModelManifest | null> {
    const path = join(home, MANIFEST_FILE);
    if (!existsSync(path)) return null;
    return ModelManifest.parse(parseBoundedJson(await readFile(path, 'utf8')));
  }

  private async updateManifest(id: string, change: (manifest: ModelManifest) => ModelManifest): Promise<void> {
    const located = await this.locate(id);
    if (located.home === null) throw new LibraryError('not-managed', `Model "${id}" is ${located.location === 'bundled' ? 'bundled with the studio' : `listed from ${located.folder}`}; import it to rename it or change its family`);
    await this.writes.run(async () => {
      const manifest = await this.readManifest(located.home!).catch(() => null);
      if (!manifest) throw new LibraryError('model-unusable', `Model "${id}" has no valid ${MANIFEST_FILE}; verify it or import it again`);
      await writeAtomic(join(located.home!, MANIFEST_FILE), JSON.stringify(ModelManifest.parse(change(manifest)), null, 2));
    });
  }

  private async defaultId(): Promise<string | null> {
    return (await this.librarySettings()).defaultId;
  }

  /** library.json: the default model and the models forgotten (hand-added ones the user removed); a damaged file reads as empty. */
  private async librarySettings(): Promise<LibrarySettings> {
    try {
      return LibrarySettings.parse(parseBoundedJson(await readFile(join(this.dir, SETTINGS_FILE), 'utf8'), { maxBytes: 1 << 20 }));
    } catch {
      return { defaultId: null, forgotten: [] };
    }
  }

  private writeLibrarySettings(change: (settings: LibrarySettings) => LibrarySettings): Promise<void> {
    return this.writes.run(async () => {
      await mkdir(this.dir, { recursive: true });
      await writeAtomic(join(this.dir, SETTINGS_FILE), JSON.stringify(change(await this.librarySettings()), null, 2));
    });
  }
}

function runDefaults(family: FamilyId | null, size: { width: number; height: number } | null): RunDefaults | null {
  if (!family || !size) return null;
  const { steps, cfgScale, sampler } = FAMILIES[family].defaults;
  return { steps, cfgScale, sampler, ...size };
}

function complete(manifest: NewManifest): ModelManifest {
  return ModelManifest.parse({ ...manifest, totalBytes: manifest.files.reduce((sum, f) => sum + f.size, 0) });
}

function sourceOf(model: Located): ModelSource {
  return model.location === 'bundled' ? { kind: 'bundled' } : model.location === 'external' ? { kind: 'external' } : { kind: 'found' };
}

/** A folder name made from any text: what ModelId accepts. */
export function slug(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').replace(/-+$/, '').slice(0, 80);
  return cleaned || 'model';
}

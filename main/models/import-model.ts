import { createWriteStream, existsSync } from 'node:fs';
import { cp, mkdir, readdir, realpath, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import type { ModelEntry, NewManifest } from '../../app/contract/models';
import { hashModelFiles, listModelFiles, MANIFEST_FILE } from './model-files';
import { inspectModel } from './inspect-model';
import { LibraryError } from './library-error';
import { formatBytes } from '../../app/domain/units';
import { inside } from '../core/folder-rules';
import type { ModelLibrary } from './model-library';

export interface ImportRequest {
  /** A model folder, or a .zip holding one (at its root or in one folder). */
  readonly path: string;
  /** Register the folder where it lies instead of copying it (not for zips). */
  readonly inPlace: boolean;
  readonly id?: string | undefined;
  readonly name?: string | undefined;
}

/**
 * Adds a model from a folder or a zip. Everything is checked before the
 * library changes: a copy is made in a work folder inside the library,
 * inspected, hashed and only then renamed into place; on any failure the work
 * folder is removed, so nothing half-imported is ever listed.
 */
export async function importModel(library: ModelLibrary, request: ImportRequest): Promise<ModelEntry> {
  if (!isAbsolute(request.path)) throw new LibraryError('invalid-import', `Give the model's full path, not "${request.path}"`);
  const source = resolve(request.path);
  const info = await stat(source).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ELOOP') throw new LibraryError('invalid-import', `${source} is a link that leads back to itself`);
    if (error.code === 'EACCES' || error.code === 'EPERM') throw new LibraryError('invalid-import', `${source} cannot be read (permission denied)`);
    return null;
  });
  if (!info) throw new LibraryError('invalid-import', `${source} does not exist`);
  const isZip = info.isFile() && source.toLowerCase().endsWith('.zip');
  if (!info.isDirectory() && !isZip) throw new LibraryError('invalid-import', `${source} is neither a model folder nor a .zip of one`);
  if (isZip && request.inPlace) throw new LibraryError('invalid-import', 'A zip cannot be registered in place; import it as a copy');
  if (!isZip) await checkModelFolder(source, library.dir);

  const id = request.id ?? (await library.freeId(basename(source).replace(/\.zip$/i, '')));
  if (request.id && (await library.list()).models.some((m) => m.id === request.id)) throw new LibraryError('model-exists', `The library already has a model "${request.id}"`);
  const work = await library.workFolder('import');
  try {
    let folder: string;
    if (request.inPlace) {
      folder = source;
    } else if (isZip) {
      await extractZip(source, join(work, 'zip'), await library.freeBytes());
      folder = await findModelRoot(join(work, 'zip'));
    } else {
      await ensureRoom(library, await folderSize(source));
      folder = join(work, 'model');
      await cp(source, folder, { recursive: true, dereference: true, errorOnExist: true, filter: (path) => basename(path) !== MANIFEST_FILE }).catch((error: NodeJS.ErrnoException) => {
        throw new LibraryError('invalid-import', `${source} cannot be copied (${error.code ?? error.message}${error.path ? ` at ${error.path}` : ''})`);
      });
    }
    const inspection = await inspectModel(folder);
    if (inspection.problem) throw new LibraryError('invalid-import', `${source} cannot be imported: ${inspection.problem}`);
    const manifest: NewManifest = {
      format: 1,
      id,
      name: request.name ?? basename(source).replace(/\.zip$/i, ''),
      detectedFamily: inspection.detectedFamily,
      familyOverride: null,
      source: { kind: 'import', from: source, inPlace: request.inPlace },
      folder: request.inPlace ? source : null,
      files: await hashModelFiles(folder, await listModelFiles(folder)),
      nativeSize: inspection.nativeSize,
      addedAt: new Date().toISOString(),
      lastUsedAt: null,
    };
    const staged = request.inPlace ? work : folder;
    await library.add(staged, manifest);
    const entry = (await library.list()).models.find((m) => m.id === id);
    if (!entry) throw new LibraryError('invalid-import', `${source} was imported as "${id}" but is not listed`);
    return entry;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * A folder is checked as a model before a byte is copied: a folder that is
 * not a diffusers model (`/`, a home or documents folder, the studio's own
 * data) is refused in words rather than copied first and refused after.
 */
async function checkModelFolder(source: string, libraryDir: string): Promise<void> {
  const real = await realpath(source).catch(() => source);
  const library = await realpath(libraryDir).catch(() => resolve(libraryDir));
  if (inside(library, real)) throw new LibraryError('invalid-import', `${source} holds the model library itself; choose a model's own folder`);
  if (inside(real, library)) throw new LibraryError('invalid-import', `${source} is already inside the model library`);
  if (!existsSync(join(real, 'model_index.json'))) throw new LibraryError('invalid-import', `${source} is not a diffusers model: it has no model_index.json`);
  const inspection = await inspectModel(real);
  if (inspection.problem) throw new LibraryError('invalid-import', `${source} cannot be imported: ${inspection.problem}`);
}

async function ensureRoom(library: ModelLibrary, needed: number): Promise<void> {
  const free = await library.freeBytes();
  if (free !== null && needed > free) throw new LibraryError('disk-full', `The model needs ${formatBytes(needed)} and the library's disk has ${formatBytes(free)} free`);
}

async function folderSize(dir: string): Promise<number> {
  return (await listModelFiles(dir)).reduce((sum, f) => sum + f.size, 0);
}

/** The folder holding model_index.json: the zip's root or its one top folder. */
async function findModelRoot(dir: string): Promise<string> {
  if (existsSync(join(dir, 'model_index.json'))) return dir;
  const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.name !== '__MACOSX');
  if (entries.length === 1 && entries[0]!.isDirectory() && existsSync(join(dir, entries[0]!.name, 'model_index.json'))) return join(dir, entries[0]!.name);
  throw new LibraryError('invalid-import', 'The zip holds no model_index.json at its root or in its one top folder');
}

/**
 * Unpacks a zip, refusing entries that would land outside the target
 * (absolute paths, "..") and links, and stopping before it fills the disk:
 * sizes are checked as declared and, by yauzl, as actually inflated.
 */
function extractZip(zip: string, target: string, freeBytes: number | null): Promise<void> {
  return new Promise((done, fail) => {
    yauzl.open(zip, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true }, (error, archive) => {
      if (error) return fail(new LibraryError('invalid-import', `${zip} is not a readable zip (${error.message})`));
      let total = 0;
      const stop = (reason: Error) => {
        archive.close();
        fail(reason instanceof LibraryError ? reason : new LibraryError('invalid-import', `${zip} cannot be unpacked: ${reason.message}`));
      };
      archive.on('error', stop);
      archive.on('end', () => done());
      archive.on('entry', (entry: yauzl.Entry) => {
        const name = entry.fileName;
        const path = resolve(target, name);
        if (!path.startsWith(target + sep) && path !== target) return stop(new LibraryError('invalid-import', `${zip} has an entry outside its folder: ${name}`));
        const kind = (entry.externalFileAttributes >>> 16) & 0o170000;
        if (kind === 0o120000) return stop(new LibraryError('invalid-import', `${zip} holds a link (${name}); models are plain files`));
        // ONNX weights barely compress; an entry inflating hundreds of times its size is a zip bomb.
        if (entry.uncompressedSize > 1024 * 1024 && entry.uncompressedSize > 200 * entry.compressedSize) return stop(new LibraryError('invalid-import', `${zip} has an entry (${name}) that inflates ${Math.round(entry.uncompressedSize / Math.max(1, entry.compressedSize))} times its stored size`));
        total += entry.uncompressedSize;
        if (freeBytes !== null && total > freeBytes) return stop(new LibraryError('disk-full', `${zip} unpacks to more than the ${formatBytes(freeBytes)} free on the library's disk`));
        if (name.endsWith('/')) {
          void mkdir(path, { recursive: true }).then(() => archive.readEntry(), stop);
          return;
        }
        archive.openReadStream(entry, (streamError, stream) => {
          if (streamError) return stop(streamError);
          void mkdir(dirname(path), { recursive: true })
            .then(() => pipeline(stream, createWriteStream(path, { flags: 'wx' })))
            .then(() => archive.readEntry(), stop);
        });
      });
      archive.readEntry();
    });
  });
}


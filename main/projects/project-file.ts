import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { z } from 'zod';
import { AssetId, assetsOf, DocumentError, migrateDocument, type CanvasDocument } from '../../app/document/document';
import { runSettingsOf, type RunSettings } from '../../app/document/run-settings';
import { checkPng } from '../images/image-jobs';
import { ImageError } from '../images/image-error';
import { parseBoundedJson } from '../../app/domain/bounded-json';
import { writeAtomic } from '../files/write-atomic';

/**
 * A project file (`.wbproj`): a zip holding `project.json` (format, version,
 * the canvas document, the panel's prompt and settings) and each asset the
 * document refers to as `assets/<id>.png`. Documented in docs/generating.md.
 */
export const PROJECT_FORMAT = 'wordbrush-project';
export const PROJECT_VERSION = 1;
const MANIFEST = 'project.json';
/** Bounds a hostile or damaged file cannot push the reader past. */
/**
 * What a project may hold. Entries other than the manifest and its assets are
 * skipped unread, and an entry that inflates far beyond its stored size (a
 * zip bomb) is refused before it is inflated: assets are stored, not deflated.
 */
export const PROJECT_LIMITS = { entries: 400, manifestBytes: 16 * 1024 * 1024, entryBytes: 64 * 1024 * 1024, totalBytes: 512 * 1024 * 1024, ratio: 50, ratioFrom: 1024 * 1024 };
export type ProjectLimits = typeof PROJECT_LIMITS;
const PROJECT_ENTRY = /^(project\.json|assets\/[A-Za-z0-9_-]{1,80}\.png)$/;

export interface Project {
  readonly document: CanvasDocument;
  /** PNG bytes of every asset the document refers to. */
  readonly assets: ReadonlyMap<AssetId, Uint8Array>;
  /** The run's settings as they were (prompt, model, numbers, seed, start picture); null when none were kept. */
  readonly panel: RunSettings | null;
}

export class ProjectError extends Error {
  constructor(
    readonly reason: 'corrupt' | 'newer-version' | 'unreadable',
    message: string,
  ) {
    super(message);
    this.name = 'ProjectError';
  }
}

const Manifest = z.object({ format: z.literal(PROJECT_FORMAT), version: z.number().int().positive(), savedAt: z.string(), document: z.unknown(), panel: z.unknown() }).strict();

/**
 * Writes a project so that a crash at any moment leaves the previous save
 * whole: into a temporary file beside it, flushed, then renamed over it.
 */
export async function writeProject(path: string, project: Project): Promise<void> {
  const document = migrateDocument(project.document);
  for (const asset of assetsOf(document)) if (!project.assets.has(asset)) throw new ProjectError('corrupt', `The document refers to ${asset}, which is not among its assets`);
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.from(JSON.stringify({ format: PROJECT_FORMAT, version: PROJECT_VERSION, savedAt: new Date().toISOString(), document, panel: project.panel ?? null }, null, 2)), MANIFEST);
  // Stryker disable next-line ObjectLiteral,BooleanLiteral: PNGs are stored, not deflated again; that changes the file's size, not what it holds
  for (const asset of assetsOf(document)) zip.addBuffer(Buffer.from(project.assets.get(asset)!), `assets/${asset}.png`, { compress: false });
  zip.end();
  await writeAtomic(path, zip.outputStream as Readable);
}

/** Reads a project; anything wrong with the file (not a zip, damaged, a newer version, an asset that is not a PNG) is a ProjectError in words. */
export async function readProject(path: string, limits: ProjectLimits = PROJECT_LIMITS): Promise<Project> {
  const entries = await readEntries(path, limits);
  const manifestBytes = entries.get(MANIFEST);
  if (!manifestBytes) throw new ProjectError('corrupt', `${basename(path)} is not a Wordbrush project (no ${MANIFEST})`);
  let raw: unknown;
  try {
    raw = parseBoundedJson(manifestBytes.toString('utf8'));
  } catch (error) {
    throw new ProjectError('corrupt', `${basename(path)} is damaged: its ${MANIFEST} ${(error as Error).message}`);
  }
  const manifest = Manifest.safeParse(raw);
  if (!manifest.success) throw new ProjectError('corrupt', `${basename(path)} is not a Wordbrush project (${manifest.error.issues[0]!.path.join('.') || 'format'}: ${manifest.error.issues[0]!.message})`);
  if (manifest.data.version > PROJECT_VERSION) throw new ProjectError('newer-version', `${basename(path)} was saved by a newer Wordbrush (project version ${manifest.data.version}; this one reads up to ${PROJECT_VERSION}). Update the studio to open it.`);
  let document: CanvasDocument;
  try {
    document = migrateDocument(manifest.data.document);
  } catch (error) {
    // Stryker disable next-line ConditionalExpression: migrateDocument throws DocumentErrors only; the check keeps a bug's error from being called damage
    if (error instanceof DocumentError) throw new ProjectError(error.reason === 'newer-version' ? 'newer-version' : 'corrupt', `${basename(path)}: ${error.message}`);
    throw error;
  }
  const assets = new Map<AssetId, Uint8Array>();
  for (const asset of assetsOf(document)) {
    const bytes = entries.get(`assets/${asset}.png`);
    if (!bytes) throw new ProjectError('corrupt', `${basename(path)} is damaged: the image ${asset} is missing`);
    try {
      await checkPng(bytes, `${asset}.png`);
    } catch (error) {
      // Stryker disable next-line ConditionalExpression: checkPng throws ImageErrors only; the check keeps a bug's error from being called damage
      if (error instanceof ImageError) throw new ProjectError('corrupt', `${basename(path)} is damaged: ${error.message}`);
      throw error;
    }
    assets.set(AssetId.parse(asset), bytes);
  }
  // Settings that no longer parse (an older studio's, a hand edit) are dropped: the document still opens.
  return { document, assets, panel: runSettingsOf(manifest.data.panel) };
}

function readEntries(path: string, limits: ProjectLimits): Promise<Map<string, Buffer>> {
  return new Promise((done, fail) => {
    const refuse = (message: string) => fail(new ProjectError('corrupt', `${basename(path)} is damaged: ${message}`));
    yauzl.open(path, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true }, (error, archive) => {
      if (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // Stryker disable next-line ConditionalExpression: EACCES cannot be made where the tests run as root
        return code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' ? fail(new ProjectError('unreadable', `${path} cannot be read (${code})`)) : refuse(error.message);
      }
      const entries = new Map<string, Buffer>();
      let total = 0;
      const stop = (message: string) => {
        // Stryker disable next-line CallExpression: closing frees the file handle at once; nothing a caller sees changes
        archive.close();
        refuse(message);
      };
      archive.on('error', (e: Error) => stop(e.message));
      archive.on('end', () => done(entries));
      archive.on('entry', (entry: yauzl.Entry) => {
        if (entries.size >= limits.entries) return stop('too many entries');
        // Folders (names ending in /) and anything else that is not the manifest or an asset are skipped unread.
        if (!PROJECT_ENTRY.test(entry.fileName)) return archive.readEntry();
        const limit = entry.fileName === MANIFEST ? limits.manifestBytes : limits.entryBytes;
        if (entry.uncompressedSize > limit || (total += entry.uncompressedSize) > limits.totalBytes) return stop(`${entry.fileName} is too large`);
        if (entry.uncompressedSize > limits.ratioFrom && entry.uncompressedSize > limits.ratio * entry.compressedSize) return stop(`${entry.fileName} inflates ${Math.round(entry.uncompressedSize / Math.max(1, entry.compressedSize))} times its stored size`);
        archive.openReadStream(entry, (streamError, stream) => {
          if (streamError) return stop(streamError.message);
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('error', (e: Error) => stop(e.message));
          stream.on('end', () => {
            entries.set(entry.fileName, Buffer.concat(chunks));
            archive.readEntry();
          });
        });
      });
      archive.readEntry();
    });
  });
}

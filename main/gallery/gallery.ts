import { existsSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { GalleryId, galleryFile, THUMBS_FOLDER, type GalleryEntry, type GalleryPage, type GalleryRecord } from '../../app/contract/gallery';
import { generationInfoOf, wordbrushRecordOf } from '../../app/domain/generation-info';
import { writeAtomic } from '../files/write-atomic';
import { thumbnailPng } from '../images/image-jobs';
import { StudioError } from '../../app/rpc/errors';
import { readPngHead, type PngHead } from './png-head';
import { parseBoundedJson } from '../../app/domain/bounded-json';

const TRASH = '.trash';
const STATE_FILE = '.wordbrush-gallery.json';
const THUMB_SIDE = 160;
const DOCUMENT_EXTENSION = '.wbdoc';

interface Known {
  readonly key: string;
  readonly head: PngHead | null;
}

/**
 * The gallery folder as the studio shows it: every PNG in it, Wordbrush's own
 * results and images copied in by hand or made by other tools (their A1111,
 * ComfyUI or InvokeAI parameters read), newest first. Files added or removed
 * by hand are picked up on the next listing. Deleting moves a result (and its
 * sidecar) to a trash folder inside the gallery, from which it can be
 * restored until the trash is emptied. Images are named by id, never by path.
 */
export class Gallery {
  private readonly heads = new Map<string, Known>();
  /** Images whose thumbnail failed, by the size and time of the file that failed. */
  private readonly failedThumbnails = new Map<string, string>();

  constructor(
    readonly dir: string,
    /** Makes a thumbnail (in the image worker); a test may count the tries. */
    private readonly makeThumbnail: (png: Uint8Array, side: number, origin: string) => Promise<Uint8Array> = thumbnailPng,
  ) {}

  async list(before: string | null, limit: number): Promise<GalleryPage> {
    const all = await this.scan();
    const start = before === null ? 0 : all.findIndex((e) => e.id === before) + 1;
    const page = all.slice(start, start + limit);
    const items = await Promise.all(page.map(async (entry) => ({ ...entry, thumbnail: await this.ensureThumbnail(entry.id) })));
    return { items, next: start + limit < all.length ? (page.at(-1)?.id ?? null) : null, total: all.length };
  }

  async get(id: string): Promise<GalleryRecord> {
    const entry = await this.entryOf(id, new Set((await this.state()).starred));
    if (!entry) throw new StudioError('not-found', `There is no image "${id}" in the gallery`);
    const text = this.heads.get(id)?.head?.text ?? {};
    return { entry: { ...entry.entry, thumbnail: existsSync(this.thumbPath(id)) }, parameters: text.parameters ?? null, wordbrush: text.wordbrush ? wordbrushRecordOf(text.wordbrush) : null, hasDocument: existsSync(this.documentPath(id)) };
  }

  /** A result's PNG as it was written (a live one from the hidden folder live results go to), for the canvas to take as a picture. */
  async imageBytes(id: string, live: boolean): Promise<Uint8Array> {
    if (!GalleryId.safeParse(id).success) throw new StudioError('not-found', `There is no image "${id}" in the gallery`);
    const path = join(this.dir, galleryFile(id, live ? 'live' : 'results'));
    return await readFile(path).catch(() => {
      throw new StudioError('not-found', live ? `The live image "${id}" is gone (only the last few are kept); draw it again` : `There is no image "${id}" in the gallery`);
    });
  }

  /** Where the canvas document of a result is kept: a project file beside the image. */
  documentPath(id: string): string {
    return join(this.dir, `${id}${DOCUMENT_EXTENSION}`);
  }

  /** Entries for results just written (to tell every window). */
  async entries(ids: readonly string[]): Promise<GalleryEntry[]> {
    const starred = new Set((await this.state()).starred);
    const found = (await Promise.all(ids.map((id) => this.entryOf(id, starred)))).filter((e) => e !== null);
    return Promise.all(found.map(async ({ entry }) => ({ ...entry, thumbnail: await this.ensureThumbnail(entry.id) })));
  }

  async trash(id: string): Promise<void> {
    await this.move(id, this.dir, join(this.dir, TRASH));
  }

  async restore(id: string): Promise<void> {
    await this.move(id, join(this.dir, TRASH), this.dir);
  }

  async emptyTrash(): Promise<number> {
    const trash = await this.ownFolder(TRASH);
    const count = (await readdir(trash).catch(() => [] as string[])).filter((f) => f.endsWith('.png')).length;
    await rm(trash, { recursive: true, force: true });
    return count;
  }

  async star(id: string, starred: boolean): Promise<void> {
    const state = await this.state();
    const stars = new Set(state.starred);
    if (starred) stars.add(id);
    else stars.delete(id);
    await writeAtomic(join(this.dir, STATE_FILE), JSON.stringify({ starred: [...stars].sort() }, null, 2));
  }

  /** The id of a result file the engine wrote. */
  static idOf(path: string): string {
    return path.split(/[\\/]/).pop()!.replace(/\.png$/i, '');
  }

  private async scan(): Promise<Omit<GalleryEntry, 'thumbnail'>[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const starred = new Set((await this.state()).starred);
    const ids = names.filter((name) => name.toLowerCase().endsWith('.png') && !name.startsWith('.')).map((name) => name.slice(0, -4));
    const entries = (await Promise.all(ids.map((id) => this.entryOf(id, starred)))).filter((e) => e !== null);
    return entries.sort((a, b) => b.mtime - a.mtime || b.entry.id.localeCompare(a.entry.id)).map(({ entry }) => entry);
  }

  /** One image's entry, its head read again only when the file changed; null when it is not an image of the gallery. */
  private async entryOf(id: string, starred: ReadonlySet<string>): Promise<{ entry: Omit<GalleryEntry, 'thumbnail'>; mtime: number } | null> {
    if (!GalleryId.safeParse(id).success) return null;
    const path = join(this.dir, galleryFile(id));
    const info = await stat(path).catch(() => null);
    if (!info?.isFile()) return null;
    const key = `${info.size}:${info.mtimeMs}`;
    let known = this.heads.get(id);
    if (known?.key !== key) {
      known = { key, head: await readPngHead(path) };
      this.heads.set(id, known);
    }
    if (!known.head) return null;
    return { entry: { id, width: known.head.width, height: known.head.height, createdAt: info.mtime.toISOString(), sizeBytes: info.size, starred: starred.has(id), info: generationInfoOf(known.head.text) }, mtime: info.mtimeMs };
  }


  private thumbPath(id: string): string {
    return join(this.dir, galleryFile(id, 'thumbs'));
  }

  /**
   * A small copy for the strip, made (off the event loop) the first time an
   * image is listed; false when the image cannot be decoded, which is
   * remembered until the file changes, so a broken image costs one try.
   */
  private async ensureThumbnail(id: string): Promise<boolean> {
    const target = this.thumbPath(id);
    if (existsSync(target)) return true;
    const key = this.heads.get(id)?.key;
    if (key !== undefined && this.failedThumbnails.get(id) === key) return false;
    try {
      const thumbnail = await this.makeThumbnail(await readFile(join(this.dir, galleryFile(id))), THUMB_SIDE, id);
      await this.ownFolder(THUMBS_FOLDER);
      await writeAtomic(target, thumbnail);
      return true;
    } catch {
      if (key !== undefined) this.failedThumbnails.set(id, key);
      return false;
    }
  }

  private async move(id: string, from: string, to: string): Promise<void> {
    if (!existsSync(join(from, `${id}.png`))) throw new StudioError('not-found', `There is no image "${id}" ${from.endsWith(TRASH) ? 'in the trash' : 'in the gallery'}`);
    if (to !== this.dir) await this.ownFolder(TRASH);
    for (const extension of ['.png', '.json', DOCUMENT_EXTENSION]) {
      if (existsSync(join(from, id + extension))) await rename(join(from, id + extension), join(to, id + extension));
    }
    this.heads.delete(id);
  }

  /**
   * The gallery's own subfolder (.trash, .thumbs), made when missing. One that
   * is a link (made by hand, or by a hostile archive) is removed, never
   * followed: the studio must not move, write or delete files elsewhere.
   */
  private async ownFolder(name: string): Promise<string> {
    const path = join(this.dir, name);
    const info = await lstat(path).catch(() => null);
    if (info && !info.isDirectory()) await unlink(path);
    await mkdir(path, { recursive: true });
    return path;
  }

  private async state(): Promise<{ starred: string[] }> {
    try {
      const state = parseBoundedJson(await readFile(join(this.dir, STATE_FILE), 'utf8')) as { starred?: unknown };
      return { starred: Array.isArray(state.starred) ? state.starred.filter((s): s is string => typeof s === 'string') : [] };
    } catch {
      return { starred: [] };
    }
  }
}

import { createHash } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AssetRef } from '../../app/contract/conditioning';
import { StudioError } from '../../app/rpc/errors';
import { writeAtomic } from '../files/write-atomic';
import { IMAGE_LIMITS } from '../images/png-images';
import { checkPng } from '../images/image-jobs';
import { ImageError } from '../images/image-error';

/** What an upload may be: a 4096x4096 RGBA PNG that does not compress at all is about this. */
export const ASSET_MAX_BYTES = 32 * 1024 * 1024;
/** How much of an upload one message carries, as base64 (1 MiB of it: well under any transport's frame limit). */
export const ASSET_CHUNK_CHARS = 1024 * 1024;
/** Open uploads per connection; and, so many connections cannot hold main's memory either, in all. */
const MAX_OPEN_UPLOADS = 8;
const MAX_OPEN_UPLOADS_IN_ALL = 64;
const UPLOAD_IDLE_MS = 2 * 60_000;

/**
 * Pictures the renderer hands main (painted masks, start images), stored
 * under the library by the hash of their bytes: an upload of the same
 * pixels is the same asset, and an id can only name what was uploaded.
 * Every asset is a PNG within the image limits, decoded once to be sure.
 */
export class AssetStore {
  /** Open uploads by owner (a connection) and upload id; chunks are kept as they come, so announcing a size costs nothing. */
  private readonly uploads = new Map<string, Map<string, { chunks: Buffer[]; total: number; received: number; touched: number }>>();

  constructor(private readonly dir: string) {}

  /**
   * Takes the next chunk of an upload (base64, in order, from `offset`);
   * the last one stores the asset and answers its id. Uploads are bounded
   * in size and number, and forgotten when left idle.
   */
  async upload(owner: string, upload: string, offset: number, total: number, base64: string): Promise<{ asset: AssetRef | null; received: number }> {
    if (total > ASSET_MAX_BYTES) throw new StudioError('invalid-asset', `Images up to ${ASSET_MAX_BYTES / 2 ** 20} MB are taken; this one is ${(total / 2 ** 20).toFixed(1)} MB`);
    this.forgetIdle();
    const mine = this.uploads.get(owner) ?? new Map();
    let open = mine.get(upload);
    if (!open) {
      if (offset !== 0) throw new StudioError('invalid-asset', `Upload ${upload} is not open (it may have been left idle); start it again from the beginning`);
      if (mine.size >= MAX_OPEN_UPLOADS) throw new StudioError('busy', `${MAX_OPEN_UPLOADS} uploads are open already; finish one first`);
      if (this.openInAll() >= MAX_OPEN_UPLOADS_IN_ALL) throw new StudioError('busy', 'The studio is receiving too many uploads at once; try again in a moment');
      open = { chunks: [], total, received: 0, touched: Date.now() };
      mine.set(upload, open);
      this.uploads.set(owner, mine);
    }
    if (open.total !== total || offset !== open.received) throw new StudioError('invalid-asset', `Upload ${upload} expected ${open.received} of ${open.total} bytes next, not ${offset} of ${total}`);
    const chunk = Buffer.from(base64, 'base64');
    if (offset + chunk.length > total) {
      mine.delete(upload);
      throw new StudioError('invalid-asset', `Upload ${upload} sent more than the ${total} bytes it announced`);
    }
    open.chunks.push(chunk);
    open.received += chunk.length;
    open.touched = Date.now();
    if (open.received < total) return { asset: null, received: open.received };
    mine.delete(upload);
    return { asset: await this.put(Buffer.concat(open.chunks)), received: total };
  }

  /** A connection closed: its unfinished uploads go with it. */
  forget(owner: string): void {
    this.uploads.delete(owner);
  }

  /** Stores PNG bytes (refusing anything else) and answers their id. */
  async put(bytes: Uint8Array): Promise<AssetRef> {
    try {
      await checkPng(bytes, 'The uploaded image');
    } catch (error) {
      if (error instanceof ImageError) throw new StudioError('invalid-asset', error.message);
      throw error;
    }
    const id = AssetRef.parse(`asset_${createHash('sha256').update(bytes).digest('hex').slice(0, 40)}`);
    const path = this.pathOf(id);
    const known = await stat(path).then((s) => s.size === bytes.length, () => false);
    if (!known) {
      await mkdir(this.dir, { recursive: true });
      await writeAtomic(path, bytes);
    }
    return id;
  }

  /** An asset as a PNG data: URL, for a document kept with a result (which holds its pictures whatever becomes of the assets). */
  async dataUrl(id: AssetRef): Promise<string> {
    return `data:image/png;base64,${(await readFile(await this.filePath(id))).toString('base64')}`;
  }

  /**
   * The file that holds an asset, for the engine to read: pictures go to the
   * inference process by path, never inline. Assets are named by the hash of
   * their bytes and never rewritten, so a result's sidecar can name the file.
   */
  async filePath(id: AssetRef): Promise<string> {
    const path = this.pathOf(AssetRef.parse(id));
    const { size } = await stat(path).catch(() => {
      throw new StudioError('invalid-asset', `The image ${id} is not in the studio's assets (upload it again)`);
    });
    if (size > IMAGE_LIMITS.bytes) throw new StudioError('invalid-asset', `The image ${id} is too large`);
    return path;
  }

  private pathOf(id: AssetRef): string {
    return join(this.dir, `${id}.png`);
  }

  private forgetIdle(): void {
    const now = Date.now();
    for (const [owner, mine] of this.uploads) {
      for (const [id, open] of mine) if (now - open.touched > UPLOAD_IDLE_MS) mine.delete(id);
      if (mine.size === 0) this.uploads.delete(owner);
    }
  }

  private openInAll(): number {
    return [...this.uploads.values()].reduce((sum, mine) => sum + mine.size, 0);
  }
}

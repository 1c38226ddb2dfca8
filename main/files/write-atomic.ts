import { randomBytes } from 'node:crypto';
import { open, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';

/** The suffix a file carries while it is written, renamed away when complete: what a crash leaves behind ends in it. */
export const PARTIAL = '.partial';

/**
 * Writes a file so that a crash at any moment leaves either the old content
 * or the new, never a mix: a temporary file beside it (`<name>.<random>.partial`),
 * flushed to disk, renamed over the old one, and the folder flushed so the
 * rename itself survives a power cut. Settings, projects, results, assets
 * and the graph caches all write this way.
 */
export async function writeAtomic(path: string, data: string | Uint8Array | Readable, mode = 0o644): Promise<void> {
  const temporary = `${path}.${randomBytes(4).toString('hex')}${PARTIAL}`;
  try {
    const handle = await open(temporary, 'w', mode);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await syncFolder(dirname(path));
}

/** Flushes a folder's entries (a rename) to disk; where folders cannot be opened (Windows) the rename is already durable. */
async function syncFolder(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => null);
  if (!handle) return;
  await handle.sync().catch(() => undefined);
  await handle.close();
}

/** Removes what a crash left half-written in `dir` (files ending in .partial); a folder that is missing or unreadable is left alone. */
export async function removePartialFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const partial = names.filter((name) => name.endsWith(PARTIAL));
  await Promise.all(partial.map((name) => rm(join(dir, name), { force: true })));
  return partial;
}

import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelError } from '../model/model-error';

/** The suffix results and cache entries carry while being written; renamed away when complete. */
export const PARTIAL = '.partial';

/** Makes sure results can be written to `dir` before a run spends minutes on them: creates it and writes a probe file. */
export async function ensureWritable(dir: string): Promise<void> {
  const probe = join(dir, `.wordbrush-write-test-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (error) {
    throw new ModelError('unwritable-output', `Results cannot be written to ${dir} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); choose a folder you can write to`);
  }
}

/** Removes what a crash left half-written in `dir` (files ending in .partial); a folder that is missing or unreadable is left alone. */
export async function removePartialFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const partial = names.filter((name) => name.endsWith(PARTIAL));
  await Promise.all(partial.map((name) => rm(join(dir, name), { force: true })));
  return partial;
}

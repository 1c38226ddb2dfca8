import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelError } from '../model/model-error';

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

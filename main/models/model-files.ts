import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelFile } from '../../app/contract/models';

/** The library's record of a model, kept in the model's folder. */
export const MANIFEST_FILE = 'wordbrush-model.json';

export interface FileStat {
  /** Relative to the model folder, "/"-separated. */
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** Every regular file under a model folder but the manifest; links are not followed, so a model cannot reach outside its folder. */
export async function listModelFiles(dir: string, prefix = ''): Promise<FileStat[]> {
  const files: FileStat[] = [];
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...(await listModelFiles(dir, path)));
    else if (entry.isFile() && path !== MANIFEST_FILE) {
      const info = await lstat(join(dir, path));
      files.push({ path, size: info.size, mtimeMs: info.mtimeMs });
    }
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

export async function hashModelFiles(dir: string, files: readonly FileStat[]): Promise<ModelFile[]> {
  const hashed: ModelFile[] = [];
  for (const file of files) hashed.push({ path: file.path, size: file.size, sha256: await sha256File(join(dir, file.path)) });
  return hashed;
}

/** Files the manifest records that are gone or changed size; a cheap check that runs on every listing (verify re-hashes). */
export function manifestMismatches(recorded: readonly ModelFile[], actual: readonly FileStat[]): string[] {
  const sizes = new Map(actual.map((f) => [f.path, f.size]));
  const problems: string[] = [];
  for (const file of recorded) {
    const size = sizes.get(file.path);
    if (size === undefined) problems.push(`${file.path} is missing`);
    else if (size !== file.size) problems.push(`${file.path} is ${size} bytes; the manifest says ${file.size}`);
  }
  return problems;
}

import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelEntry } from '../../app/contract/studio';
import { detectFamily } from '../engine/model/family';
import { ModelError } from '../engine/model/model-error';
import { readModelFolder } from '../engine/model/model-folder';

/**
 * The models in the library folders: each folder that is itself a model, and
 * each of its subfolders that is one. A folder that looks like a model but is
 * broken is listed with its problem rather than hidden.
 */
export async function listModels(libraryDirs: readonly string[]): Promise<ModelEntry[]> {
  const entries: ModelEntry[] = [];
  for (const dir of libraryDirs) {
    if (!existsSync(dir)) continue;
    const candidates = existsSync(join(dir, 'model_index.json'))
      ? [dir]
      : (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'model_index.json'))).map((d) => join(dir, d.name));
    for (const path of candidates.sort()) entries.push(await describe(path));
  }
  return entries;
}

async function describe(path: string): Promise<ModelEntry> {
  const name = path.split(/[\\/]/).pop() ?? path;
  try {
    const folder = await readModelFolder(path);
    const family = detectFamily({ folder, unetHasAddedConditions: false, padsWithExclamation: await padsWithExclamation(folder.tokenizers[0]!) });
    return { path, name, family, problem: null };
  } catch (error) {
    if (error instanceof ModelError) return { path, name, family: null, problem: error.message };
    throw error;
  }
}

async function padsWithExclamation(tokenizerDir: string): Promise<boolean> {
  try {
    const config = JSON.parse(await readFile(join(tokenizerDir, 'tokenizer_config.json'), 'utf8')) as { pad_token?: unknown };
    const pad = typeof config.pad_token === 'object' && config.pad_token !== null ? (config.pad_token as { content?: unknown }).content : config.pad_token;
    return pad === '!';
  } catch {
    return false;
  }
}

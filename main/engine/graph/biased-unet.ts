import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { patchCrossAttention, type PatchedLayer, type PatchOptions } from './attention-bias';

/** Bumped whenever the patch's output changes, so stale cached graphs are not reused. */
const PATCH_VERSION = 2;

export interface PatchedGraph {
  readonly model: Uint8Array;
  readonly factors: readonly number[];
  readonly layers: readonly PatchedLayer[];
  /** Where the source's external weights are (the patched graph refers to them, never copies them). */
  readonly externalDataDir: string;
}

/**
 * The attention-bias patch of a UNet, cached on disk under the hash of the
 * source graph file: patching runs once per model, later loads read the
 * cached graph. Weights in external files are referred to, never copied.
 */
export async function patchedUnetGraph(unetPath: string, cacheDir: string, options: PatchOptions = {}): Promise<PatchedGraph> {
  const source = await readFile(unetPath);
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 24);
  const graphPath = join(cacheDir, `unet-attention-bias-v${PATCH_VERSION}-${hash}${options.exposeAttention ? '-maps' : ''}.onnx`);
  const metaPath = `${graphPath}.json`;
  const externalDataDir = dirname(unetPath);
  if (existsSync(graphPath) && existsSync(metaPath)) {
    const meta = JSON.parse(await readFile(metaPath, 'utf8')) as { factors: number[]; layers: PatchedLayer[] };
    return { model: await readFile(graphPath), ...meta, externalDataDir };
  }
  const patch = patchCrossAttention(source, options);
  await mkdir(cacheDir, { recursive: true });
  // Graph before its metadata, each renamed into place: a half-written cache entry is never read.
  await writeFile(`${graphPath}.partial`, patch.model);
  await rename(`${graphPath}.partial`, graphPath);
  await writeFile(`${metaPath}.partial`, JSON.stringify({ factors: patch.factors, layers: patch.layers }));
  await rename(`${metaPath}.partial`, metaPath);
  return { model: patch.model, factors: patch.factors, layers: patch.layers, externalDataDir };
}


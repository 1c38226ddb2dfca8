import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { patchCrossAttention, type PatchedLayer, type PatchOptions } from './attention-bias';
import { PARTIAL } from '../output/output-folder';
import { parseBoundedJson } from '../../../app/domain/bounded-json';

/** Bumped whenever the patch's output changes, so stale cached graphs are not reused. */
const PATCH_VERSION = 2;

export interface PatchedGraph {
  readonly model: Uint8Array;
  readonly factors: readonly number[];
  readonly layers: readonly PatchedLayer[];
  /** Where the source's external weights are (the patched graph refers to them, never copies them). */
  readonly externalDataDir: string;
  /** Set when the patch could not be written to the cache (the graph is still usable). */
  readonly cacheProblem?: string;
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
    const meta = parseBoundedJson(await readFile(metaPath, 'utf8')) as { factors: number[]; layers: PatchedLayer[] };
    return { model: await readFile(graphPath), ...meta, externalDataDir };
  }
  const patch = patchCrossAttention(source, options);
  const patched = { model: patch.model, factors: patch.factors, layers: patch.layers, externalDataDir };
  try {
    await mkdir(cacheDir, { recursive: true });
    // Graph before its metadata, each renamed into place: a half-written cache entry is never read.
    await writeFile(`${graphPath}${PARTIAL}`, patch.model);
    await rename(`${graphPath}${PARTIAL}`, graphPath);
    await writeFile(`${metaPath}${PARTIAL}`, JSON.stringify({ factors: patch.factors, layers: patch.layers }));
    await rename(`${metaPath}${PARTIAL}`, metaPath);
    return patched;
  } catch (error) {
    // The run needs the graph, not the cache: it goes on with the patch in memory and says so.
    return { ...patched, cacheProblem: `The patched UNet could not be cached in ${cacheDir} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); it is patched again each time the model loads` };
  }
}


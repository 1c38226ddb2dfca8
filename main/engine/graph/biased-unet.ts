import { patchCrossAttention, type PatchedLayer, type PatchOptions } from './attention-bias';
import { cachedDerivedGraph } from './graph-cache';

/** Bumped whenever the patch's output changes, so stale cached graphs are not reused. */
const PATCH_VERSION = 3;

export interface PatchedGraph {
  readonly model: Uint8Array;
  readonly factors: readonly number[];
  readonly layers: readonly PatchedLayer[];
  /** Set when the patch could not be written to the cache (the graph is still usable). */
  readonly cacheProblem?: string;
}

interface PatchMeta {
  readonly factors: number[];
  readonly layers: PatchedLayer[];
}

const isPatchMeta = (meta: unknown): meta is PatchMeta => typeof meta === 'object' && meta !== null && Array.isArray((meta as PatchMeta).factors) && Array.isArray((meta as PatchMeta).layers);

/**
 * The attention-bias patch of a UNet graph (the model's own, or its fused
 * one), cached on disk under the hash of the graph: patching runs once per
 * model, later loads read the cached graph. Weights in external files are
 * referred to, never copied.
 */
export async function patchedUnetGraph(source: Uint8Array, cacheDir: string, options: PatchOptions = {}): Promise<PatchedGraph> {
  const kind = { file: `attention-bias-v${PATCH_VERSION}${options.exposeAttention ? '-maps' : ''}`, label: 'patched' };
  const derived = await cachedDerivedGraph(cacheDir, kind, source, isPatchMeta, async () => {
    const patch = patchCrossAttention(source, options);
    return { model: patch.model, meta: { factors: [...patch.factors], layers: [...patch.layers] } };
  });
  return { model: derived.model!, ...derived.meta, ...(derived.cacheProblem ? { cacheProblem: derived.cacheProblem } : {}) };
}

import { fuseAttention, NotFusableError } from './fused-attention';
import { cachedDerivedGraph } from './graph-cache';

/** Bumped whenever the fusion's output changes, so stale cached graphs are not reused. */
const FUSION_VERSION = 2;

interface FusionMeta {
  readonly blocks: number;
  readonly difference: number;
  /** Why the UNet could not be fused, when it could not: said once, not tried again at each load. */
  readonly notFusable?: string;
}

const isFusionMeta = (meta: unknown): meta is FusionMeta => typeof meta === 'object' && meta !== null && typeof (meta as FusionMeta).blocks === 'number' && typeof (meta as FusionMeta).difference === 'number';

export type FusedUnet = { readonly model: Uint8Array; readonly blocks: number; readonly cacheProblem?: string } | { readonly model: null; readonly reason: string };

/**
 * The UNet with its attention fused (fused-attention.ts), made and checked
 * once per model and cached; or why it could not be, the plain graph then
 * serving.
 */
export async function fusedUnetGraph(source: Uint8Array, externalDataDir: string, cacheDir: string): Promise<FusedUnet> {
  const derived = await cachedDerivedGraph(cacheDir, { file: `fused-v${FUSION_VERSION}`, label: 'fused' }, source, isFusionMeta, async () => {
    try {
      const fused = await fuseAttention(source, externalDataDir);
      return { model: fused.model, meta: { blocks: fused.blocks, difference: fused.difference } };
    } catch (error) {
      if (!(error instanceof NotFusableError)) throw error;
      return { model: null, meta: { blocks: 0, difference: 0, notFusable: error.message } };
    }
  });
  if (!derived.model) return { model: null, reason: derived.meta.notFusable ?? 'no attention block of the expected shape' };
  return { model: derived.model, blocks: derived.meta.blocks, ...(derived.cacheProblem ? { cacheProblem: derived.cacheProblem } : {}) };
}

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAtomic } from '../../files/write-atomic';
import { parseBoundedJson } from '../../../app/domain/bounded-json';

/** A graph derived from a model's UNet graph (fused, attention-biased), with what was said about it, or only what was said when there is no graph. */
export interface Derived<M> {
  readonly model: Uint8Array | null;
  readonly meta: M;
  /** Set when the result could not be cached (it is still usable). */
  readonly cacheProblem?: string;
}

/**
 * A derived graph cached on disk under the hash of its source graph: made
 * once per model, later loads read it. The graph is written before its
 * metadata, each whole or not at all: a half-written entry is never read; an
 * entry whose metadata does not pass `check` is made again.
 */
export async function cachedDerivedGraph<M>(
  cacheDir: string,
  kind: { readonly file: string; readonly label: string },
  source: Uint8Array,
  check: (meta: unknown) => meta is M,
  make: () => Promise<{ model: Uint8Array | null; meta: M }>,
): Promise<Derived<M>> {
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 24);
  const graphPath = join(cacheDir, `unet-${kind.file}-${hash}.onnx`);
  const metaPath = `${graphPath}.json`;
  if (existsSync(metaPath)) {
    const saved = (await readFile(metaPath, 'utf8').then((text) => parseBoundedJson(text), () => null)) as { meta?: unknown; graph?: unknown } | null;
    // An entry whose graph went missing is made again.
    if (saved && check(saved.meta) && (saved.graph !== true || existsSync(graphPath))) return { model: saved.graph === true ? await readFile(graphPath) : null, meta: saved.meta };
  }
  const made = await make();
  try {
    await mkdir(cacheDir, { recursive: true });
    if (made.model) await writeAtomic(graphPath, made.model);
    await writeAtomic(metaPath, JSON.stringify({ graph: made.model !== null, meta: made.meta }));
    return made;
  } catch (error) {
    // The run needs the graph, not the cache: it goes on with it in memory and says so.
    return { ...made, cacheProblem: `The ${kind.label} UNet could not be cached in ${cacheDir} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); it is made again each time the model loads` };
  }
}

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { cpus } from 'node:os';
import { basename, dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ExecutionProviderName } from '../../../app/contract/providers';

/**
 * onnxruntime's optimised graphs, kept per machine: creating a session at
 * optimisation level `all` spends most of a large model's load (36–58 s for
 * an SD 1.5 UNet on 2 cores) rewriting the graph; the rewritten graph is
 * saved on the first load (its weights in a file beside it) and later loads
 * open it with optimisation off.
 *
 * A saved graph may hold rewrites for this processor and provider, so its
 * key is the model's files (path, size and modification time of the .onnx
 * and everything beside it: a changed model is a new key, without reading
 * gigabytes of weights to hash them), the provider, onnxruntime's version,
 * the processor and the optimisation level. A saved graph that does not open
 * is removed and the model optimised again, with a warning.
 */
export const OPTIMIZATION_LEVEL = 'all';
const DATA_SUFFIX = '.data';

/**
 * A model file, or a graph derived from it (its attention fused) given as bytes, its weights still in
 * the file's folder: `variant` names the derivation, which is part of the key.
 */
export interface GraphSource {
  readonly path: string;
  readonly derived?: { readonly bytes: Uint8Array; readonly variant: string };
}

export async function optimizedGraphKey(modelPath: string, provider: ExecutionProviderName, variant = ''): Promise<string> {
  const folder = dirname(modelPath);
  const files = (await readdir(folder)).sort();
  const described = await Promise.all(files.map(async (file) => {
    const info = await stat(join(folder, file));
    return `${file}:${info.size}:${info.mtimeMs}`;
  }));
  const hash = createHash('sha256');
  for (const part of [modelPath, ...described, provider, ort.env.versions.common, cpus()[0]?.model ?? 'unknown cpu', OPTIMIZATION_LEVEL, variant]) hash.update(`${part}\n`);
  return hash.digest('hex').slice(0, 32);
}

/** Whether a graph of `modelPath` (or its `variant`) was saved for any of `providers`: if not, its next load optimises (and takes longer). */
export async function hasOptimizedGraph(modelPath: string, providers: readonly ExecutionProviderName[], cacheDir: string, variants: readonly string[] = ['']): Promise<boolean> {
  for (const provider of providers) for (const variant of variants) if (existsSync(join(cacheDir, 'optimized-graphs', `${await optimizedGraphKey(modelPath, provider, variant)}.onnx`))) return true;
  return false;
}

/** A session of `source` on `provider`, from the saved optimised graph when there is one that opens, else optimised now and saved. */
export async function sessionFromCache(source: GraphSource, provider: ExecutionProviderName, cacheDir: string, warn: (message: string) => void): Promise<ort.InferenceSession> {
  const modelPath = source.path;
  const dir = join(cacheDir, 'optimized-graphs');
  const saved = join(dir, `${await optimizedGraphKey(modelPath, provider, source.derived?.variant)}.onnx`);
  const remove = () => Promise.all([rm(saved, { force: true }), rm(`${saved}${DATA_SUFFIX}`, { force: true })]);
  if (existsSync(saved)) {
    try {
      return await ort.InferenceSession.create(saved, { graphOptimizationLevel: 'disabled', executionProviders: [provider] });
    } catch (error) {
      warn(`The optimised graph saved for ${modelPath} could not be opened (${(error as Error).message.split('\n')[0]}); it was optimised again`);
      await remove();
    }
  }
  // The weights go to their final name; the graph is written aside and renamed last, so a graph file is always a whole save.
  await mkdir(dir, { recursive: true });
  const writing = `${saved}.${process.pid}.partial`;
  try {
    const options: ort.InferenceSession.SessionOptions = {
      graphOptimizationLevel: OPTIMIZATION_LEVEL,
      executionProviders: [provider],
      optimizedModelFilePath: writing,
      // onnxruntime warns on every save that the graph is for this machine: that is why the key names the machine.
      logSeverityLevel: 3,
      extra: {
        session: {
          optimized_model_external_initializers_file_name: `${basename(saved)}${DATA_SUFFIX}`,
          optimized_model_external_initializers_min_size_in_bytes: '1024',
          // A derived graph given as bytes finds the model's weights in the model's folder.
          ...(source.derived ? { model_external_initializers_file_folder_path: dirname(modelPath) } : {}),
        },
      },
    };
    const session = source.derived ? await ort.InferenceSession.create(source.derived.bytes, options) : await ort.InferenceSession.create(modelPath, options);
    await rename(writing, saved);
    return session;
  } catch (error) {
    await rm(writing, { force: true });
    await remove();
    throw error;
  }
}

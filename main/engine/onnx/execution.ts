import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ExecutionProviderName, ProviderReport } from '../../../app/contract/providers';
import { providerPreference } from '../../../app/domain/providers';
import { ModelError } from '../model/model-error';
import { OPTIMIZATION_LEVEL, sessionFromCache } from './optimized-graphs';

export interface CreatedSession {
  readonly session: ort.InferenceSession;
  readonly provider: ExecutionProviderName;
}

/**
 * The providers to try, best first: the user's choice alone when given
 * (asking for CUDA and silently getting CPU would hide a broken setup), else
 * the platform's preference without those the probe found unusable, CPU last.
 */
export function providerOrder(platform: string, probed: readonly ProviderReport[] | null, override?: ExecutionProviderName): ExecutionProviderName[] {
  if (override) return [override];
  const unusable = new Set((probed ?? []).filter((p) => !p.usable).map((p) => p.name));
  const offered = probed ? new Set(probed.map((p) => p.name)) : null;
  return providerPreference(platform).filter((name) => name === 'cpu' || (!unusable.has(name) && (offered ? offered.has(name) : providerLibraryPresent(name))));
}

/** Where optimised graphs are kept (optimized-graphs.ts), and where what goes wrong with them is said. */
export interface GraphCache {
  readonly dir: string;
  readonly warn: (message: string) => void;
}

/**
 * Opens a session on the first provider of `order` that takes the model, and says which one did.
 * A model given as bytes (a patched graph) finds its external weights in `externalDataDir`, by reference.
 * A model file opens from its optimised graph in `cache` when one was saved, else is optimised and saved there;
 * a cache that cannot be written costs only the saving, with a warning.
 */
export async function createSession(model: string | Uint8Array, order: readonly ExecutionProviderName[], externalDataDir?: string, cache?: GraphCache): Promise<CreatedSession> {
  const failures: string[] = [];
  const name = typeof model === 'string' ? model : `a patched graph of ${externalDataDir}`;
  const options: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: OPTIMIZATION_LEVEL };
  if (externalDataDir) options.extra = { session: { model_external_initializers_file_folder_path: externalDataDir } };
  for (const provider of order) {
    if (typeof model === 'string' && cache) {
      try {
        return { session: await sessionFromCache(model, provider, cache.dir, cache.warn), provider };
      } catch (error) {
        // Opened without the cache below: if that works, only the saving failed.
        const plain = await ort.InferenceSession.create(model, { ...options, executionProviders: [provider] }).catch((e: unknown) => e as Error);
        if (!(plain instanceof Error)) {
          cache.warn(`The optimised graph of ${model} could not be saved (${(error as Error).message.split('\n')[0]}); it is optimised again at each load`);
          return { session: plain, provider };
        }
        failures.push(`${provider}: ${plain.message.split('\n')[0]}`);
        continue;
      }
    }
    try {
      const session = typeof model === 'string' ? await ort.InferenceSession.create(model, { ...options, executionProviders: [provider] }) : await ort.InferenceSession.create(model, { ...options, executionProviders: [provider] });
      return { session, provider };
    } catch (error) {
      failures.push(`${provider}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  throw new ModelError('unreadable-part', `Could not open ${name} on ${order.join(', ')}:\n${failures.join('\n')}`);
}

/**
 * Whether onnxruntime-node can load a provider: bundled ones (CPU, WebGPU, DirectML, CoreML) always,
 * others (CUDA, TensorRT) only when their shared library sits beside the binding.
 */
export function providerLibraryPresent(name: ExecutionProviderName): boolean {
  if (name !== 'cuda' && name !== 'tensorrt') return true;
  try {
    const bin = join(dirname(require.resolve('onnxruntime-node/package.json')), 'bin', 'napi-v6', process.platform, process.arch);
    return existsSync(bin) && readdirSync(bin).some((file) => file.includes(`providers_${name}`));
  } catch {
    return true;
  }
}

import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ExecutionProviderName, ProviderReport } from '../../../app/contract/providers';
import { providerPreference } from '../../../app/domain/providers';
import { ModelError } from '../model/model-error';
import { OPTIMIZATION_LEVEL, sessionFromCache, type GraphSource } from './optimized-graphs';

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
export async function createSession(model: string | Uint8Array | GraphSource, order: readonly ExecutionProviderName[], externalDataDir?: string, cache?: GraphCache): Promise<CreatedSession> {
  const failures: string[] = [];
  // A derived graph (its attention fused) is cached like its model file; it finds the weights in that file's folder.
  const source: GraphSource | null = typeof model === 'string' ? { path: model } : model instanceof Uint8Array ? null : model;
  const graph = model instanceof Uint8Array ? model : source?.derived?.bytes ?? null;
  const weightsDir = externalDataDir ?? (source?.derived ? dirname(source.path) : undefined);
  const name = source ? source.path : `a patched graph of ${externalDataDir}`;
  const options: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: OPTIMIZATION_LEVEL };
  if (weightsDir && graph) options.extra = { session: { model_external_initializers_file_folder_path: weightsDir } };
  const open = (provider: ExecutionProviderName) => (graph ? ort.InferenceSession.create(graph, { ...options, executionProviders: [provider] }) : ort.InferenceSession.create(source!.path, { ...options, executionProviders: [provider] }));
  for (const provider of order) {
    if (source && cache) {
      try {
        return { session: await sessionFromCache(source, provider, cache.dir, cache.warn), provider };
      } catch (error) {
        // Opened without the cache below: if that works, only the saving failed.
        const plain = await open(provider).catch((e: unknown) => e as Error);
        if (!(plain instanceof Error)) {
          cache.warn(`The optimised graph of ${name} could not be saved (${(error as Error).message.split('\n')[0]}); it is optimised again at each load`);
          return { session: plain, provider };
        }
        failures.push(`${provider}: ${plain.message.split('\n')[0]}`);
        continue;
      }
    }
    try {
      return { session: await open(provider), provider };
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

import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ExecutionProviderName, ProviderReport } from '../../../app/contract/providers';
import { providerPreference } from '../../../app/domain/providers';
import { ModelError } from '../model/model-error';

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

/**
 * Opens a session on the first provider of `order` that takes the model, and says which one did.
 * A model given as bytes (a patched graph) finds its external weights in `externalDataDir`, by reference.
 */
export async function createSession(model: string | Uint8Array, order: readonly ExecutionProviderName[], externalDataDir?: string): Promise<CreatedSession> {
  const failures: string[] = [];
  const name = typeof model === 'string' ? model : `a patched graph of ${externalDataDir}`;
  const options: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'all' };
  if (externalDataDir) options.extra = { session: { model_external_initializers_file_folder_path: externalDataDir } };
  for (const provider of order) {
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

import type { ExecutionProviderName, ProviderReport } from '../contract/providers';

/**
 * The order in which the studio prefers execution providers on each platform:
 * the vendor's own runtime first, then WebGPU, with CPU always last.
 */
const PREFERENCE: Readonly<Record<string, readonly ExecutionProviderName[]>> = {
  win32: ['cuda', 'dml', 'webgpu', 'cpu'],
  darwin: ['coreml', 'webgpu', 'cpu'],
  linux: ['cuda', 'webgpu', 'cpu'],
};
const FALLBACK: readonly ExecutionProviderName[] = ['webgpu', 'cpu'];

export function providerPreference(platform: string): readonly ExecutionProviderName[] {
  return PREFERENCE[platform] ?? FALLBACK;
}

/** The provider a session would run on: the most preferred one that passed its probe. */
export function bestProvider(reports: readonly ProviderReport[], platform: string): ExecutionProviderName | null {
  const usable = new Set(reports.filter((r) => r.usable).map((r) => r.name));
  return providerPreference(platform).find((name) => usable.has(name)) ?? null;
}

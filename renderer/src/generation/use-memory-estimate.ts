import { useEffect, useState } from 'react';
import type { GenerationSettings } from '../../../app/contract/generation';
import type { MemoryEstimate } from '../../../app/contract/studio';
import type { StudioClient } from '../connection/studio-client';

/** Settings typed quickly are asked about once they stop changing. */
const ASK_AFTER_MS = 250;

/** What the next run will need in memory, asked of main as the settings change; null until known or when the settings cannot run. */
export function useMemoryEstimate(client: StudioClient, settings: GenerationSettings | null): MemoryEstimate | null {
  const [estimate, setEstimate] = useState<{ key: string; value: MemoryEstimate } | null>(null);
  const ask = settings?.width && settings.height ? { model: settings.model, width: settings.width, height: settings.height, cfgScale: settings.cfgScale ?? 7, ...(settings.provider ? { provider: settings.provider } : {}) } : null;
  const key = ask ? JSON.stringify(ask) : null;
  useEffect(() => {
    if (!key) return;
    let current = true;
    const timer = setTimeout(() => {
      client.call('generate.estimate', JSON.parse(key) as NonNullable<typeof ask>).then(
        (value) => current && setEstimate({ key, value }),
        () => undefined,
      );
    }, ASK_AFTER_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [client, key]);
  // An answer for other settings than the ones shown says nothing about them.
  return estimate && estimate.key === key ? estimate.value : null;
}

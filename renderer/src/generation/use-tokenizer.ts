import { useEffect, useState } from 'react';
import { ClipTokenizer } from '../../../app/text/clip-tokenizer';
import type { StudioClient } from '../connection/studio-client';

export interface ModelTokenizer {
  readonly tokenizer: ClipTokenizer;
  readonly padId: number;
}

/** One tokenizer per model for the page's life: its files are large and never change. */
const loaded = new Map<string, Promise<ModelTokenizer>>();

function tokenizerOf(client: StudioClient, model: string): Promise<ModelTokenizer> {
  let pending = loaded.get(model);
  if (!pending) {
    pending = client.call('models.tokenizer', { id: model }).then(({ vocab, merges, padToken }) => {
      const tokenizer = new ClipTokenizer({ vocab, merges });
      return { tokenizer, padId: tokenizer.idOf(padToken) };
    });
    loaded.set(model, pending);
    pending.catch(() => loaded.delete(model));
  }
  return pending;
}

/** The chosen model's own CLIP tokenizer, the very one the engine encodes prompts with; null until it is read (or when it cannot be). */
export function useTokenizer(client: StudioClient, model: string | null): ModelTokenizer | null {
  const [state, setState] = useState<{ model: string; tokenizer: ModelTokenizer } | null>(null);
  useEffect(() => {
    if (!model) return;
    let current = true;
    tokenizerOf(client, model).then(
      (tokenizer) => current && setState({ model, tokenizer }),
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [client, model]);
  return state && state.model === model ? state.tokenizer : null;
}

import { useMemo } from 'react';
import type { PromptHighlight } from '../../../app/document/bindings';
import { CHUNK_TOKENS, chunkPrompt } from '../../../app/text/prompt-chunks';
import type { ModelTokenizer } from '../generation/use-tokenizer';

/**
 * The prompt as CLIP reads it: its tokens, grouped in the 75-token chunks
 * the engine encodes (A1111's count, "12/75"), weights where the prompt sets
 * them, and the tokens each bound phrase paints in its region's colour.
 */
export function TokenView({ prompt, model, marks }: { readonly prompt: string; readonly model: ModelTokenizer | null; readonly marks: readonly PromptHighlight[] }) {
  const chunked = useMemo(() => (model ? chunkPrompt(model.tokenizer, prompt, { padId: model.padId }) : null), [model, prompt]);
  if (!chunked) return null;
  const capacity = Math.max(1, chunked.chunks.length) * CHUNK_TOKENS;
  const colourOf = (start: number, end: number) => marks.find((m) => m.start < end && m.end > start)?.colour;
  return (
    <details className="token-view">
      <summary>
        Tokens <span data-testid="token-count">{chunked.tokens.length}/{capacity}</span>
        {chunked.chunks.length > 1 && ` in ${chunked.chunks.length} chunks`}
      </summary>
      <ol className="tokens" aria-label="Prompt tokens">
        {chunked.tokens.map((token, i) => {
          const colour = colourOf(token.start, token.end);
          const chunkStart = i > 0 && token.chunk !== chunked.tokens[i - 1]!.chunk;
          return (
            <li key={i} className={chunkStart ? 'chunk-start' : undefined} style={colour ? { backgroundColor: `${colour}55`, borderColor: colour } : undefined} title={`Token ${token.position} of chunk ${token.chunk + 1}${token.weight !== 1 ? `, weight ${token.weight.toFixed(2)}` : ''}`}>
              {prompt.slice(token.start, token.end)}
              {token.weight !== 1 && <sub>{token.weight.toFixed(2)}</sub>}
            </li>
          );
        })}
      </ol>
    </details>
  );
}

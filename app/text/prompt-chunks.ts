import type { ClipTokenizer } from './clip-tokenizer';
import { parsePromptAttention } from './prompt-attention';

/** Tokens per chunk between the start and end tokens: 77 positions less two. */
export const CHUNK_TOKENS = 75;
/** A1111's comma backtrack: a chunk that fills up ends after a comma within this many tokens of its end. */
const COMMA_BACKTRACK = 20;

export interface PromptToken {
  readonly id: number;
  readonly weight: number;
  /** Character range in the prompt (as written) this token came from. */
  readonly start: number;
  readonly end: number;
}

/** One 77-token window the text encoder sees: start token, up to 75 tokens, end token, padding. */
export interface PromptChunk {
  readonly ids: readonly number[];
  readonly weights: readonly number[];
  /** For each of the 77 positions, the prompt token it holds (null for start, end and padding). */
  readonly sources: readonly (PromptToken | null)[];
}

export interface ChunkedPrompt {
  readonly chunks: readonly PromptChunk[];
  /** Every token of the prompt, in order, with where it sits: chunk and position within the 77. */
  readonly tokens: readonly (PromptToken & { readonly chunk: number; readonly position: number })[];
}

export interface ChunkOptions {
  readonly padId: number;
  /** 77 for every SD text encoder. */
  readonly length?: number;
  /** Whether prompt-weight syntax is read (off: brackets are plain text). */
  readonly weighting?: boolean;
}

/**
 * Splits a prompt into chunks of 75 tokens the way A1111 and ComfyUI do, so a
 * long prompt is encoded in several windows and concatenated, not cut.
 */
export function chunkPrompt(tokenizer: ClipTokenizer, prompt: string, options: ChunkOptions): ChunkedPrompt {
  const length = options.length ?? 77;
  const perChunk = length - 2;
  const groups: PromptToken[][] = [[]];
  const spans = options.weighting === false ? [{ text: prompt, weight: 1, start: 0 }] : parsePromptAttention(prompt);
  const comma = tokenizer.idOf(',</w>');

  for (const span of spans) {
    if ('isBreak' in span) {
      groups.push([]);
      continue;
    }
    for (const piece of tokenizer.pieces(span.text)) {
      for (const id of piece.ids) {
        let current = groups.at(-1)!;
        if (current.length === perChunk) {
          // No comma at all (-1) is 75 tokens back: past the backtrack, as A1111 has it.
          const lastComma = current.findLastIndex((t) => t.id === comma);
          const carry = current.length - 1 - lastComma <= COMMA_BACKTRACK ? current.splice(lastComma + 1) : [];
          groups.push((current = carry));
        }
        current.push({ id, weight: span.weight, start: span.start + piece.start, end: span.start + piece.end });
      }
    }
  }

  const chunks = groups.map((group) => {
    const padding = length - 2 - group.length;
    return {
      ids: [tokenizer.startId, ...group.map((t) => t.id), tokenizer.endId, ...new Array<number>(padding).fill(options.padId)],
      weights: [1, ...group.map((t) => t.weight), 1, ...new Array<number>(padding).fill(1)],
      sources: [null, ...group, null, ...new Array<null>(padding).fill(null)],
    };
  });
  const tokens = groups.flatMap((group, chunk) => group.map((token, i) => ({ ...token, chunk, position: i + 1 })));
  return { chunks, tokens };
}

/** The prompt tokens whose source characters overlap [start, end): the tokens of a phrase. */
export function tokensInRange<T extends PromptToken>(tokens: readonly T[], start: number, end: number): T[] {
  return tokens.filter((t) => t.start < end && t.end > start);
}

/** Each whitespace-separated word of the prompt and the tokens it became (a word can become several). */
export function wordSpans<T extends PromptToken>(prompt: string, tokens: readonly T[]): { word: string; start: number; end: number; tokens: T[] }[] {
  return [...prompt.matchAll(/\S+/g)]
    .map((m) => ({ word: m[0], start: m.index, end: m.index + m[0].length }))
    .map((w) => ({ ...w, tokens: tokensInRange(tokens, w.start, w.end) }))
    .filter((w) => w.tokens.length > 0);
}

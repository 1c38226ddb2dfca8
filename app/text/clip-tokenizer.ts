import { clipClean, sourceMap } from './clean-text';

/**
 * CLIP's byte-level BPE tokenizer, as in openai/CLIP `simple_tokenizer.py`
 * (the tokenizer Stable Diffusion's text encoders were trained with), built
 * from a model's `vocab.json` and `merges.txt`. Besides ids it reports which
 * characters of the text each token came from, so paint-with-words can bind
 * a painted region to the tokens of a phrase.
 */

export interface TokenizerFiles {
  /** token → id, as in vocab.json */
  readonly vocab: Readonly<Record<string, number>>;
  /** merges.txt's text: a version header line, then one "a b" pair per line, by rank */
  readonly merges: string;
}

/** One piece of text the pre-tokenizer split off, and the tokens it became. */
export interface TokenPiece {
  /** Character offsets into the tokenized text, end exclusive. */
  readonly start: number;
  readonly end: number;
  readonly ids: readonly number[];
}

export const START_OF_TEXT = '<|startoftext|>';
export const END_OF_TEXT = '<|endoftext|>';

// simple_tokenizer.py's pattern (compiled with re.IGNORECASE there; the text is lower-cased first).
const PRE_TOKENIZER = /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+/giu;

/** GPT-2's reversible map from bytes to printable characters (simple_tokenizer.bytes_to_unicode). */
function bytesToUnicode(): string[] {
  const printable = new Set<number>();
  for (const [from, to] of [[0x21, 0x7e], [0xa1, 0xac], [0xae, 0xff]] as const) for (let b = from; b <= to; b++) printable.add(b);
  let extra = 0;
  return Array.from({ length: 256 }, (_, b) => String.fromCodePoint(printable.has(b) ? b : 256 + extra++));
}

export class ClipTokenizer {
  readonly startId: number;
  readonly endId: number;
  private readonly byteChars = bytesToUnicode();
  private readonly ranks = new Map<string, number>();
  private readonly cache = new Map<string, number[]>();
  private readonly encoder = new TextEncoder();

  constructor(private readonly files: TokenizerFiles) {
    const lines = files.merges.split('\n');
    // simple_tokenizer keeps merges[1 : 49152 - 256 - 2 + 1]: the header is skipped, and so is anything past the vocabulary.
    const usable = lines.slice(1, 49152 - 256 - 2 + 1);
    // A merge listed twice keeps its first rank. (A blank line needs no skipping: no pair of symbols is blank.)
    usable.forEach((line, rank) => {
      if (!this.ranks.has(line)) this.ranks.set(line, rank);
    });
    this.startId = this.idOf(START_OF_TEXT);
    this.endId = this.idOf(END_OF_TEXT);
  }

  idOf(token: string): number {
    const id = this.files.vocab[token];
    if (id === undefined) throw new Error(`Token ${JSON.stringify(token)} is not in the vocabulary`);
    return id;
  }

  /**
   * The tokens of `text` without start and end tokens, grouped by the piece
   * of text each came from. The text is cleaned first as CLIP cleans it;
   * offsets stay those of the text as written.
   */
  pieces(text: string): TokenPiece[] {
    const cleaned = clipClean(text);
    // Stryker disable next-line ConditionalExpression: an unchanged text's source map is the identity; skipping it saves the diff
    const source = cleaned === text ? null : sourceMap(text, cleaned);
    const pieces: TokenPiece[] = [];
    for (const match of cleaned.matchAll(PRE_TOKENIZER)) {
      const piece = match[0];
      // CLIP lower-cases the text first, so <|ENDOFTEXT|> is the special token too.
      const lower = piece.toLowerCase();
      const ids = lower === START_OF_TEXT || lower === END_OF_TEXT ? [this.idOf(lower)] : this.bpe(lower);
      const range = { start: match.index, end: match.index + piece.length };
      pieces.push({ ...(source ? source.range(range.start, range.end) : range), ids });
    }
    return pieces;
  }

  /** The ids of `text` with start and end tokens, unpadded, as the CLI's `tokenize` prints them. */
  encode(text: string): number[] {
    return [this.startId, ...this.pieces(text).flatMap((p) => p.ids), this.endId];
  }

  private bpe(piece: string): number[] {
    const cached = this.cache.get(piece);
    // Stryker disable next-line ConditionalExpression: the cache only saves time; without it the same ids are worked out again
    if (cached) return cached;
    const chars = Array.from(this.encoder.encode(piece), (b) => this.byteChars[b]!);
    let word = [...chars.slice(0, -1), `${chars.at(-1)}</w>`];
    // Stryker disable next-line EqualityOperator: one symbol has no pair to merge, so `>= 1` stops at `!best` instead
    while (word.length > 1) {
      let best: { rank: number; at: string } | null = null;
      // Stryker disable next-line EqualityOperator,ArithmeticOperator: a pair reaching past the word ("x undefined") has no rank
      for (let i = 0; i < word.length - 1; i++) {
        const pair = `${word[i]} ${word[i + 1]}`;
        const rank = this.ranks.get(pair);
        // Stryker disable next-line EqualityOperator: an equal rank is the same pair, and every occurrence of it is merged
        if (rank !== undefined && (best === null || rank < best.rank)) best = { rank, at: pair };
      }
      if (!best) break;
      const [first, second] = best.at.split(' ') as [string, string];
      const merged: string[] = [];
      for (let i = 0; i < word.length; i++) {
        if (word[i] === first && word[i + 1] === second) {
          merged.push(first + second);
          i++;
        } else {
          merged.push(word[i]!);
        }
      }
      word = merged;
    }
    const ids = word.map((token) => this.idOf(token));
    // Stryker disable next-line all: the cache's bound only limits memory
    if (this.cache.size < 50_000) this.cache.set(piece, ids);
    return ids;
  }
}

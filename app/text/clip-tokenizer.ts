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
  const printable: number[] = [];
  for (const [from, to] of [[0x21, 0x7e], [0xa1, 0xac], [0xae, 0xff]] as const) for (let b = from; b <= to; b++) printable.push(b);
  const table: string[] = new Array<string>(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) table[b] = String.fromCodePoint(printable.includes(b) ? b : 256 + extra++);
  return table;
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
    usable.forEach((line, rank) => {
      if (line.trim() !== '' && !this.ranks.has(line)) this.ranks.set(line, rank);
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
    const source = cleaned === text ? null : sourceMap(text, cleaned);
    const pieces: TokenPiece[] = [];
    for (const match of cleaned.matchAll(PRE_TOKENIZER)) {
      const piece = match[0];
      const ids = piece === START_OF_TEXT || piece === END_OF_TEXT ? [this.idOf(piece)] : this.bpe(piece.toLowerCase());
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
    if (cached) return cached;
    const chars = Array.from(this.encoder.encode(piece), (b) => this.byteChars[b]!);
    let word = [...chars.slice(0, -1), `${chars.at(-1)}</w>`];
    while (word.length > 1) {
      let best: { rank: number; at: string } | null = null;
      for (let i = 0; i < word.length - 1; i++) {
        const pair = `${word[i]} ${word[i + 1]}`;
        const rank = this.ranks.get(pair);
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
    if (this.cache.size < 50_000) this.cache.set(piece, ids);
    return ids;
  }
}

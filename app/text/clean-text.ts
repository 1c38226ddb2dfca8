import { diffChars } from 'diff';
import { decodeHTML } from 'entities';
import { fix_text } from 'ftfy-js';

/**
 * What openai/CLIP's `basic_clean` does before BPE: ftfy's `fix_text`
 * (mojibake, curly quotes, ligatures, full-width letters, NFC…), then HTML
 * unescaping twice ("&amp;amp;" is "&"). Its strip and whitespace collapse
 * change no token, so they are left out and offsets stay meaningful.
 * ftfy-js is a port of python-ftfy; `entities` decodes as the HTML spec (and
 * Python's html.unescape) does.
 */
export function clipClean(text: string): string {
  return decodeHTML(decodeHTML(fix_text(text)));
}

/** Where each character of a cleaned text came from in the text as written. */
export interface SourceMap {
  /** The range of the original that the cleaned characters [start, end) came from. */
  range(start: number, end: number): { start: number; end: number };
}

/**
 * Aligns the cleaned text with the original (a character diff): kept
 * characters map one to one, characters the cleaning wrote map to the whole
 * stretch of the original they replaced ("&amp;" → "&", "Ã©" → "é").
 */
export function sourceMap(original: string, cleaned: string): SourceMap {
  // Stryker disable next-line ArrayDeclaration: every index is written before it is read
  const starts: number[] = [];
  // Stryker disable next-line ArrayDeclaration: every index is written before it is read
  const ends: number[] = [];
  let o = 0;
  let c = 0;
  let replacedFrom: number | null = null;
  for (const part of diffChars(original, cleaned)) {
    const length = part.value.length;
    if (part.removed) {
      replacedFrom = o;
      o += length;
      continue;
    }
    // Stryker disable next-line EqualityOperator: one entry too many is written over by the next part, or lies past the cleaned text
    for (let i = 0; i < length; i++) {
      if (part.added) {
        starts[c + i] = replacedFrom ?? o;
        // Stryker disable next-line ArithmeticOperator: `+ 1` matters only for a pure insertion, which neither ftfy nor unescaping makes
        ends[c + i] = Math.max(o, (replacedFrom ?? o) + 1);
      } else {
        starts[c + i] = o + i;
        ends[c + i] = o + i + 1;
      }
    }
    if (!part.added) o += length;
    c += length;
    replacedFrom = null;
  }
  return {
    range: (start, end) => ({ start: starts[start] ?? original.length, end: Math.min(original.length, ends[end - 1] ?? original.length) }),
  };
}

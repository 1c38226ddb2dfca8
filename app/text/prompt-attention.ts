/**
 * Prompt weighting in the syntax people bring from A1111 and ComfyUI:
 * `(word)` ×1.1, `[word]` ÷1.1, `(word:1.3)` ×1.3, nesting multiplies,
 * `\(` for a literal bracket, `BREAK` to start a new 75-token chunk.
 * Follows `parse_prompt_attention` of AUTOMATIC1111/stable-diffusion-webui
 * (modules/prompt_parser.py), keeping where each span came from in the text.
 */

export interface WeightedSpan {
  readonly text: string;
  readonly weight: number;
  /** Offset of `text` in the prompt as the user wrote it. */
  readonly start: number;
  /** A `BREAK`: the chunk ends here. */
  readonly isBreak?: true;
}

const ATTENTION = /\\\(|\\\)|\\\[|\\\]|\\\\|\\|\(|\[|:\s*([+-]?[.\d]+)\s*\)|\)|\]|[^\\()[\]:]+|:/g;
const BREAK = /\s*\bBREAK\b\s*/g;
const ROUND = 1.1;
const SQUARE = 1 / 1.1;

export function parsePromptAttention(prompt: string): WeightedSpan[] {
  const spans: { text: string; weight: number; start: number; isBreak?: true }[] = [];
  const round: number[] = [];
  const square: number[] = [];
  const multiply = (from: number, by: number) => {
    for (let i = from; i < spans.length; i++) spans[i]!.weight *= by;
  };

  for (const match of prompt.matchAll(ATTENTION)) {
    const [token, weight] = match;
    const at = match.index;
    // An escaped bracket is that character; a lone backslash is dropped (A1111 appends its empty rest).
    if (token.startsWith('\\')) spans.push({ text: token.slice(1), weight: 1, start: at + 1 });
    else if (token === '(') round.push(spans.length);
    else if (token === '[') square.push(spans.length);
    // A weight that is no number (or none: Number(undefined) is NaN) leaves the bracket open, as text.
    else if (round.length > 0 && Number.isFinite(Number(weight))) multiply(round.pop()!, Number(weight));
    else if (token === ')' && round.length > 0) multiply(round.pop()!, ROUND);
    else if (token === ']' && square.length > 0) multiply(square.pop()!, SQUARE);
    else pushSplitAtBreaks(spans, token, at);
  }
  // Unclosed brackets weight everything after them, as in A1111.
  for (const from of round) multiply(from, ROUND);
  for (const from of square) multiply(from, SQUARE);
  return spans.filter((span) => span.isBreak || span.text !== '');
}

function pushSplitAtBreaks(spans: { text: string; weight: number; start: number; isBreak?: true }[], text: string, at: number): void {
  let last = 0;
  for (const match of text.matchAll(BREAK)) {
    spans.push({ text: text.slice(last, match.index), weight: 1, start: at + last });
    spans.push({ text: '', weight: -1, start: at + match.index, isBreak: true });
    last = match.index + match[0].length;
  }
  spans.push({ text: text.slice(last), weight: 1, start: at + last });
}

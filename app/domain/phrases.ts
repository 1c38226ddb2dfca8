/** Where a phrase stands in the prompt as whole words, case-insensitively ("a" is not found inside "and"): how the engine finds what to paint. */
export function phraseOccurrences(prompt: string, phrase: string): { start: number; end: number }[] {
  const haystack = prompt.toLowerCase();
  const needle = phrase.toLowerCase().trim();
  const found: { start: number; end: number }[] = [];
  if (needle === '') return found;
  const wordChar = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}]/u.test(c);
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) {
    const end = at + needle.length;
    if (!wordChar(haystack[at - 1]) && !wordChar(haystack[end])) found.push({ start: at, end });
  }
  return found;
}

import { parsePromptAttention } from '../text/prompt-attention';

/**
 * The things a prompt names, as labels to suggest for layout boxes: the
 * prompt cut at commas, "and", "with" and spatial words, each piece without
 * its article. English noun phrases end on their noun, so "a big red star"
 * gives "big red star", a phrase the engine finds in the prompt as it is.
 */
const CUTS = /,|;|\.|\b(?:and|with|on|in|under|over|above|below|beside|behind|near|next to|left of|right of|inside|at|of|by|from|to|while)\b/i;
const ARTICLE = /^(?:a|an|the|some|two|three|many)\s+/i;

export function nounPhrases(prompt: string): string[] {
  const found: string[] = [];
  for (const piece of parsePromptAttention(prompt).map((span) => (span.isBreak ? ',' : span.text)).join('').split(CUTS)) {
    const phrase = piece.trim().replace(ARTICLE, '').trim();
    if (phrase && !found.some((f) => f.toLowerCase() === phrase.toLowerCase())) found.push(phrase);
  }
  return found;
}

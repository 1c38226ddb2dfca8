import { phraseOccurrences } from '../domain/phrases';
import type { CanvasDocument, LayerId } from './document';

/**
 * How the prompt and the word regions painted for it agree. A binding is
 * its phrase: editing the prompt keeps it while the phrase is still there,
 * found the way the engine finds it (whole words, any case).
 */

export interface PromptHighlight {
  readonly start: number;
  readonly end: number;
  readonly colour: string;
  readonly layer: LayerId;
}

/** The stretches of the prompt each visible word region paints, in its colour. */
export function promptHighlights(document: CanvasDocument, prompt: string): PromptHighlight[] {
  return document.layers
    .flatMap((l) => (l.kind === 'word-region' && l.visible ? phraseOccurrences(prompt, l.phrase).map((o) => ({ ...o, colour: l.colour, layer: l.id })) : []))
    .sort((a, b) => a.start - b.start);
}

export type BindingProblem = 'phrase-gone' | 'not-whole-words' | 'bound-twice' | 'covers-nothing';

export interface BindingIssue {
  readonly layer: LayerId;
  readonly problem: BindingProblem;
  readonly message: string;
}

/**
 * What would make a word region paint nothing or paint twice, in words,
 * before a run: its phrase gone from the prompt, there only inside other
 * words (which the engine does not paint), bound by another region too, or
 * a mask with nothing painted. `painted` says whether a mask has any pixel.
 */
export function bindingIssues(document: CanvasDocument, prompt: string, painted: (layer: LayerId) => boolean | undefined): BindingIssue[] {
  const regions = document.layers.filter((l) => l.kind === 'word-region' && l.visible);
  const issues: BindingIssue[] = [];
  const seen = new Map<string, string>();
  for (const region of regions) {
    if (region.kind !== 'word-region') continue;
    const phrase = region.phrase.trim();
    const key = phrase.toLowerCase();
    if (phraseOccurrences(prompt, phrase).length === 0) {
      const inside = prompt.toLowerCase().includes(key);
      issues.push(
        inside
          ? { layer: region.id, problem: 'not-whole-words', message: `"${phrase}" is in the prompt only inside other words, so the engine will not paint it` }
          : { layer: region.id, problem: 'phrase-gone', message: `"${phrase}" is no longer in the prompt: ${region.name} paints nothing` },
      );
    }
    const first = seen.get(key);
    if (first !== undefined) issues.push({ layer: region.id, problem: 'bound-twice', message: `"${phrase}" is bound to ${first} and to ${region.name}; both regions get it` });
    else seen.set(key, region.name);
    if (painted(region.id) === false) issues.push({ layer: region.id, problem: 'covers-nothing', message: `${region.name} covers nothing yet: paint where "${phrase}" goes` });
  }
  return issues;
}

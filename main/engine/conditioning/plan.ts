import type { ParsedConditioning } from '../../../app/contract/conditioning';
import { promptWithGraph, solveSceneGraph, type Conflict, type SolvedBox } from '../../../app/domain/scene-layout';
import { loadLargeProgramSolver } from './large-programs';
import { latentMask, rectMask, type LatentMask } from './masks';
import { phraseOccurrences } from '../../../app/domain/phrases';

/** A phrase of the prompt painted onto a region (eDiff-I paint-with-words). */
export interface PhraseBinding {
  readonly id: string;
  readonly phrase: string;
  readonly mask: LatentMask;
  readonly strength: number;
}

/** A prompt of its own, confined to a region. */
export interface RegionalPrompt {
  readonly id: string;
  readonly prompt: string;
  readonly mask: LatentMask;
  readonly strength: number;
}

/** A scene graph refused by the solver: not a model problem, and the user's to fix. */
export class SceneGraphConflictError extends Error {
  constructor(readonly conflicts: readonly Conflict[]) {
    super(`The scene graph cannot be laid out: ${conflicts.map((c) => c.reason).join('; ')}`);
    this.name = 'SceneGraphConflictError';
  }
}

export interface ConditioningPlan {
  /** The prompt the run uses: the user's, with a scene graph's composed prompt added. */
  readonly prompt: string;
  readonly bindings: readonly PhraseBinding[];
  readonly regional: readonly RegionalPrompt[];
  /** A scene graph's solved layout, for the record and the canvas. */
  readonly layout: readonly SolvedBox[];
  readonly warnings: readonly string[];
}

/**
 * Flattens a conditioning document into phrase bindings and regional prompts
 * at latent resolution: a scene graph is solved into boxes, a box's label
 * binds to the prompt when the prompt names it (else it becomes the box's own
 * prompt), and every problem that leaves a region without effect is reported.
 */
export async function planConditioning(doc: ParsedConditioning, prompt: string, seed: number, latentWidth: number, latentHeight: number): Promise<ConditioningPlan> {
  const warnings: string[] = [];
  const fullPrompt = promptWithGraph(prompt, doc.sceneGraph);
  let layout: readonly SolvedBox[] = [];
  const boxes = [...doc.boxes];
  if (doc.sceneGraph) {
    await loadLargeProgramSolver();
    const solved = solveSceneGraph(doc.sceneGraph, seed, latentWidth / latentHeight);
    if (!solved.ok) throw new SceneGraphConflictError(solved.conflicts);
    layout = solved.boxes;
    warnings.push(...solved.warnings.map((w) => `Scene graph: ${w}`));
    boxes.push(...solved.boxes.map((b) => ({ id: b.id, rect: b.rect, label: b.label, strength: 1 })));
  }

  const bindings: PhraseBinding[] = [];
  const regional: RegionalPrompt[] = [];
  for (const region of doc.regions) {
    const mask = await latentMask(region.mask, latentWidth, latentHeight);
    if (region.phrase !== undefined) {
      if (containsPhrase(fullPrompt, region.phrase)) bindings.push({ id: region.id, phrase: region.phrase, mask, strength: region.strength });
      else warnings.push(`Region ${region.id}: "${region.phrase}" is not in the prompt, so it paints nothing${region.prompt ? ' (its own prompt still applies)' : ''}`);
    }
    if (region.prompt !== undefined) regional.push({ id: region.id, prompt: region.prompt, mask, strength: region.strength });
  }
  for (const box of boxes) {
    const mask = rectMask(box.rect, latentWidth, latentHeight);
    const named = containsPhrase(fullPrompt, box.label);
    if (named) bindings.push({ id: box.id, phrase: box.label, mask, strength: box.strength });
    if (box.prompt !== undefined || !named) regional.push({ id: box.id, prompt: box.prompt ?? box.label, mask, strength: box.strength });
  }
  for (const region of [...bindings, ...regional]) {
    if (region.mask.data.every((v) => v === 0)) warnings.push(`Region ${region.id} covers no part of the image`);
  }
  // Counted in what the user wrote: a graph's sentence names an object once per relation, by design.
  for (const phrase of new Set(bindings.map((b) => b.phrase))) {
    const times = phraseOccurrences(prompt, phrase).length;
    if (times > 1) warnings.push(`"${phrase}" occurs ${times} times in the prompt; every occurrence is painted`);
  }
  return { prompt: fullPrompt, bindings, regional, layout, warnings: [...new Set(warnings)] };
}

const containsPhrase = (prompt: string, phrase: string) => phraseOccurrences(prompt, phrase).length > 0;

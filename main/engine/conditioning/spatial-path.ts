import type { RegionalMode } from '../../../app/contract/conditioning';
import type { PhraseBinding, RegionalPrompt } from './plan';

/** Which mechanism carried the conditioning, for the result and the record. */
export type SpatialMethod = 'none' | 'attention' | 'latent-composition';

const unavailable = (why: string) => `attention control is unavailable with this UNet (${why})`;

/** Why a run's spatial control took its path, in the words the result and the record carry. */
export const SPATIAL_REASONS = {
  nothing: 'no region, box or scene graph takes effect',
  attention: 'through the attention-biased UNet',
  attentionThenComposition: 'phrases painted through the attention-biased UNet; region prompts by latent composition',
  compositionAsked: 'latent composition was asked for',
  contextTooShort: "the UNet's fixed context is too short for the region prompts side by side",
  unavailable,
} as const;

/** What a run does with its regions: which phrases are painted, which region prompts are masked in attention and which composed. */
export interface SpatialPath {
  readonly method: SpatialMethod;
  /** Phrases painted onto their regions through the attention-biased UNet (eDiff-I). */
  readonly painted: readonly PhraseBinding[];
  /** Region prompts as hard attention masks over the prompts side by side (one UNet pass). */
  readonly masked: readonly RegionalPrompt[];
  /** Region prompts by latent composition (MultiDiffusion). */
  readonly composed: readonly RegionalPrompt[];
  readonly reason: string;
  readonly warnings: readonly string[];
}

/** Whether a run needs the attention-biased UNet at all: phrases to paint, or region prompts it was not told to compose. */
export function wantsAttention(plan: { readonly bindings: readonly unknown[]; readonly regional: readonly unknown[] }, mode: RegionalMode): boolean {
  return plan.bindings.length > 0 || (plan.regional.length > 0 && mode !== 'latent-composition');
}

/**
 * The path a run's spatial conditioning takes, decided from what it asks and
 * what the UNet allows (no model is touched here):
 * - phrases are painted through the attention-biased UNet;
 * - region prompts become attention masks when the UNet could be patched, the
 *   mode allows and they fit its context beside the prompt; else they are
 *   composed (MultiDiffusion), which works on any UNet;
 * - a UNet that could not be patched turns painted phrases into region
 *   prompts of their own, composed.
 * `patched` is null when the biased UNet was not wanted.
 */
export function spatialPath(input: {
  readonly bindings: readonly PhraseBinding[];
  readonly regional: readonly RegionalPrompt[];
  readonly mode: RegionalMode;
  readonly patched: { readonly ok: true } | { readonly ok: false; readonly reason: string } | null;
  readonly fitsSideBySide: (regional: readonly RegionalPrompt[]) => boolean;
}): SpatialPath {
  const { mode, patched } = input;
  if (input.bindings.length === 0 && input.regional.length === 0) return { method: 'none', painted: [], masked: [], composed: [], reason: SPATIAL_REASONS.nothing, warnings: [] };
  const warnings: string[] = [];
  let [painted, regional] = [[...input.bindings], [...input.regional]];
  if (patched && !patched.ok) {
    const said = unavailable(patched.reason);
    warnings.push(`${said[0]!.toUpperCase()}${said.slice(1)}; regions use latent composition instead`);
    regional = [...regional, ...painted.map((b) => ({ id: b.id, prompt: b.phrase, mask: b.mask, strength: b.strength }))];
    painted = [];
  }
  const masksWanted = patched?.ok === true && regional.length > 0 && mode !== 'latent-composition';
  const fits = masksWanted && input.fitsSideBySide(regional);
  if (masksWanted && !fits) warnings.push('The UNet has a fixed context too short for the region prompts side by side; regions use latent composition instead');
  if (patched?.ok && (painted.length > 0 || fits)) {
    const masked = fits ? regional : [];
    const composed = fits ? [] : regional;
    return { method: 'attention', painted, masked, composed, reason: composed.length > 0 ? SPATIAL_REASONS.attentionThenComposition : SPATIAL_REASONS.attention, warnings };
  }
  const reason = patched && !patched.ok ? unavailable(patched.reason) : mode === 'latent-composition' ? SPATIAL_REASONS.compositionAsked : SPATIAL_REASONS.contextTooShort;
  return { method: 'latent-composition', painted: [], masked: [], composed: regional, reason, warnings };
}

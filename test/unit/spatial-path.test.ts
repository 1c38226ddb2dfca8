import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RegionalMode } from '../../app/contract/conditioning';
import type { PhraseBinding, RegionalPrompt } from '../../main/engine/conditioning/plan';
import { SPATIAL_REASONS, spatialPath, wantsAttention, type SpatialMethod } from '../../main/engine/conditioning/spatial-path';

const mask = { width: 2, height: 2, data: new Float32Array([1, 0, 1, 0]) };
const phrase = (id: string): PhraseBinding => ({ id, phrase: `${id} phrase`, mask, strength: 1 });
const prompt = (id: string): RegionalPrompt => ({ id, prompt: `${id} prompt`, mask, strength: 1 });
const UNAVAILABLE = 'Attention control is unavailable with this UNet (no cross-attention); regions use latent composition instead';
const TOO_SHORT = 'The UNet has a fixed context too short for the region prompts side by side; regions use latent composition instead';

type Patched = { ok: true } | { ok: false; reason: string } | null;
interface Row {
  readonly name: string;
  readonly bindings: readonly PhraseBinding[];
  readonly regional: readonly RegionalPrompt[];
  readonly mode: RegionalMode;
  readonly patched: Patched;
  readonly fits: boolean;
  /** What is expected: the method, the ids painted, masked and composed, the reason and the warnings. */
  readonly expected: [SpatialMethod, string[], string[], string[], string, string[]];
}

// Every path the decision can take, with why, as the result and the record say it.
const ROWS: Row[] = [
  { name: 'nothing to place', bindings: [], regional: [], mode: 'auto', patched: null, fits: true, expected: ['none', [], [], [], SPATIAL_REASONS.nothing, []] },
  { name: 'phrases on a patched UNet', bindings: [phrase('a')], regional: [], mode: 'auto', patched: { ok: true }, fits: true, expected: ['attention', ['a'], [], [], SPATIAL_REASONS.attention, []] },
  { name: 'region prompts that fit, auto', bindings: [], regional: [prompt('r')], mode: 'auto', patched: { ok: true }, fits: true, expected: ['attention', [], ['r'], [], SPATIAL_REASONS.attention, []] },
  { name: 'region prompts that fit, masks asked', bindings: [phrase('a')], regional: [prompt('r')], mode: 'attention-masks', patched: { ok: true }, fits: true, expected: ['attention', ['a'], ['r'], [], SPATIAL_REASONS.attention, []] },
  { name: 'phrases painted, region prompts too long for the context', bindings: [phrase('a')], regional: [prompt('r')], mode: 'auto', patched: { ok: true }, fits: false, expected: ['attention', ['a'], [], ['r'], SPATIAL_REASONS.attentionThenComposition, [TOO_SHORT]] },
  { name: 'only region prompts, too long for the context', bindings: [], regional: [prompt('r')], mode: 'auto', patched: { ok: true }, fits: false, expected: ['latent-composition', [], [], ['r'], SPATIAL_REASONS.contextTooShort, [TOO_SHORT]] },
  { name: 'phrases painted, composition asked for the region prompts', bindings: [phrase('a')], regional: [prompt('r')], mode: 'latent-composition', patched: { ok: true }, fits: true, expected: ['attention', ['a'], [], ['r'], SPATIAL_REASONS.attentionThenComposition, []] },
  { name: 'only region prompts, composition asked', bindings: [], regional: [prompt('r')], mode: 'latent-composition', patched: null, fits: true, expected: ['latent-composition', [], [], ['r'], SPATIAL_REASONS.compositionAsked, []] },
  { name: 'a UNet that cannot be patched: phrases become composed region prompts', bindings: [phrase('a')], regional: [prompt('r')], mode: 'auto', patched: { ok: false, reason: 'no cross-attention' }, fits: true, expected: ['latent-composition', [], [], ['r', 'a'], SPATIAL_REASONS.unavailable('no cross-attention'), [UNAVAILABLE]] },
];

describe('the spatial path a run takes', () => {
  for (const row of ROWS) {
    test(row.name, () => {
      const path = spatialPath({ ...row, fitsSideBySide: () => row.fits });
      const ids = (items: readonly { id: string }[]) => items.map((i) => i.id);
      assert.deepEqual([path.method, ids(path.painted), ids(path.masked), ids(path.composed), path.reason, path.warnings], row.expected);
      // A composed phrase keeps its words as its region's prompt.
      for (const r of path.composed) assert.equal(r.prompt, `${r.id} ${r.id === 'a' ? 'phrase' : 'prompt'}`);
      // The biased UNet is loaded exactly when the decision can use it (the rows give `patched` null where it is not).
      assert.equal(wantsAttention(row, row.mode), row.patched !== null);
    });
  }
});

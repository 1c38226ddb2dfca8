/**
 * `npm run eval:attention`: does spatial control move attention where it was
 * asked? For prompts with regions and boxes, it measures the share of each
 * phrase's cross-attention mass (summed over heads and image positions,
 * averaged over layers and steps) that falls inside the phrase's region, with
 * paint-with-words off (w' = 0: the patched UNet with zero bias, identical to
 * the original) and on. A region covering a fraction a of the image gets a
 * share of about a from attention that ignores it; control should push the
 * share above that. On the random-weight fixtures the numbers mean nothing;
 * on a real or trained model they are the effect.
 *
 *   npm run eval:attention -- [--model DIR] [--seeds N] [--steps N] [--size PX] [--strength W]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConditioningDocument } from '../app/contract/conditioning';
import { downsample } from '../main/engine/conditioning/masks';
import { phraseOccurrences } from '../app/domain/phrases';
import { planConditioning } from '../main/engine/conditioning/plan';
import { Engine } from '../main/engine/engine';
import { readModelFolder } from '../main/engine/model/model-folder';
import { loadTokenizer } from '../main/engine/text/load-tokenizer';
import { chunkPrompt, tokensInRange } from '../app/text/prompt-chunks';
import { repoRoot } from '../test/helpers/paths';

const { values } = parseArgs({ options: { model: { type: 'string' }, seeds: { type: 'string' }, steps: { type: 'string' }, size: { type: 'string' }, strength: { type: 'string' } } });
const MODEL = resolve(values.model ?? join(repoRoot, 'models', 'fixtures', 'sd1-optimum'));
const SEEDS = Number(values.seeds ?? 2);
const STEPS = Number(values.steps ?? 8);
const SIZE = Number(values.size ?? 128);
const STRENGTH = Number(values.strength ?? 1);

const CASES: { prompt: string; conditioning: ConditioningDocument }[] = [
  {
    prompt: 'a red star to the left of a blue ring on a sand background',
    conditioning: {
      version: 1,
      regions: [
        { id: 'star', phrase: 'red star', mask: { kind: 'rect', rect: { x: 0.05, y: 0.25, width: 0.4, height: 0.5 } } },
        { id: 'ring', phrase: 'blue ring', mask: { kind: 'rect', rect: { x: 0.55, y: 0.25, width: 0.4, height: 0.5 } } },
      ],
    },
  },
  {
    prompt: 'a small green cross above a large yellow circle',
    conditioning: {
      version: 1,
      boxes: [
        { id: 'cross', label: 'small green cross', rect: { x: 0.35, y: 0.05, width: 0.3, height: 0.3 } },
        { id: 'circle', label: 'large yellow circle', rect: { x: 0.2, y: 0.45, width: 0.6, height: 0.5 } },
      ],
    },
  },
];

async function main(): Promise<void> {
  const engine = new Engine({ platform: process.platform, version: 'eval', cacheDir: mkdtempSync(join(tmpdir(), 'wordbrush-eval-cache-')) });
  const outputDir = mkdtempSync(join(tmpdir(), 'wordbrush-eval-'));
  const { tokenizer, padId, maxLength } = await loadTokenizer(join(MODEL, 'tokenizer'));
  const latent = SIZE / (await readModelFolder(MODEL)).latent.factor;
  console.log(`| case | phrase | region area | inside share, control off | inside share, control on |\n| --- | --- | --- | --- | --- |`);
  for (const [index, c] of CASES.entries()) {
    const plan = await planConditioning(ConditioningDocument.parse(c.conditioning), c.prompt, 0, latent, latent);
    const { tokens } = chunkPrompt(tokenizer, plan.prompt, { padId, length: maxLength });
    const phrases = plan.bindings.map((b) => ({
      phrase: b.phrase,
      mask: b.mask,
      positions: phraseOccurrences(plan.prompt, b.phrase).flatMap((o) => tokensInRange(tokens, o.start, o.end)).map((t) => t.chunk * maxLength + t.position),
    }));
    const share = async (strength: number) => {
      const sums = phrases.map(() => ({ inside: 0, total: 0 }));
      for (let seed = 0; seed < SEEDS; seed++) {
        await engine.run(
          { model: MODEL, prompt: c.prompt, seed, steps: STEPS, width: SIZE, height: SIZE, outputDir, conditioning: { ...c.conditioning, paintWithWordsStrength: strength } },
          {
            previewIntervalMs: Infinity,
            onAttention: (maps) => {
              for (const { factor, probabilities, queries, keys } of maps) {
                phrases.forEach((p, i) => {
                  const mask = downsample(p.mask, factor).data;
                  for (let at = 0; at < probabilities.length; at += queries * keys) {
                    for (let q = 0; q < queries; q++) {
                      for (const t of p.positions) {
                        const value = probabilities[at + q * keys + t]!;
                        sums[i]!.inside += value * mask[q]!;
                        sums[i]!.total += value;
                      }
                    }
                  }
                });
              }
            },
          },
        );
      }
      return sums.map((s) => s.inside / s.total);
    };
    const off = await share(0);
    const on = await share(STRENGTH);
    phrases.forEach((p, i) => {
      const area = p.mask.data.reduce((a, v) => a + v, 0) / p.mask.data.length;
      console.log(`| ${index + 1} | ${p.phrase} | ${area.toFixed(2)} | ${off[i]!.toFixed(3)} | ${on[i]!.toFixed(3)} |`);
    });
  }
  console.log(`\n${MODEL.split('/').pop()}, ${SIZE}x${SIZE}, ${STEPS} steps, ${SEEDS} seeds, w' = ${STRENGTH}`);
}

void main();

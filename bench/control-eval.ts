/**
 * `npm run eval:control`: does spatial control put things where they were asked, on the starter
 * model's world where the truth is known? For held-out captions (bench/starter-heldout.json, made
 * by the world's generator with a seed no training used), it generates with several seeds in each
 * mode and finds the objects with the weight-free detector (bench/evaluation/world-detector.ts):
 *
 *   presence       a detected object has the colour the prompt named
 *   shape          ... and the shape it named
 *   region hit     its centre lies inside the region or box it was given
 *   box IoU        overlap of its box with that region or box
 *   relations      the prompt's relations hold between the detected objects (sg2im's rule)
 *
 * Writes a markdown table and a grid of samples (one row per mode) to docs/starter/.
 *
 *   npm run eval:control -- [--preset small|full] [--model DIR] [--out DIR (default docs/starter)] [--cfg N] [--sampler NAME]
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SamplerName } from '../app/contract/generation';
import type { ConditioningDocument, NormalizedRect, Relation } from '../app/contract/conditioning';
import { relationHolds } from '../app/domain/relations';
import { detectObjects, iou, type Box, type WorldPalette } from './evaluation/world-detector';
import { Engine } from '../main/engine/engine';
import { decodeRgbPng } from '../main/images/png-images';
import { encodePng } from '../main/images/png';
import { repoRoot } from '../test/helpers/paths';

interface TruthObject {
  readonly shape: string;
  readonly color: string;
  readonly size: string;
  readonly box: Box;
}
interface Scene {
  readonly caption: string;
  readonly objects: readonly TruthObject[];
  readonly relations: readonly { subject: number; object: number; predicate: string }[];
}

const { values } = parseArgs({
  options: { preset: { type: 'string', default: 'small' }, model: { type: 'string' }, out: { type: 'string' }, cfg: { type: 'string' }, sampler: { type: 'string' } },
});
const PRESETS = { small: { scenes: 8, seeds: 2, steps: 20 }, full: { scenes: 64, seeds: 4, steps: 30 } } as const;
const preset = PRESETS[values.preset as keyof typeof PRESETS] ?? PRESETS.small;
/** The model's own defaults unless asked otherwise: a starter's training is judged as the studio runs it. */
const overrides = { ...(values.cfg !== undefined ? { cfgScale: Number(values.cfg) } : {}), ...(values.sampler !== undefined ? { sampler: SamplerName.parse(values.sampler) } : {}) };
const MODEL = resolve(values.model ?? join(repoRoot, 'models', 'starter'));
const DIRECTIONAL = new Set(['left of', 'right of', 'above', 'below']);

const rect = ([x0, y0, x1, y1]: Box): NormalizedRect => ({ x: x0, y: y0, width: x1 - x0, height: y1 - y0 });
const phrase = (o: TruthObject) => `${o.color} ${o.shape}`;

/** The conditioning of each mode, and the boxes the objects were asked to occupy (none without control). */
const MODES: Readonly<Record<string, (scene: Scene) => { conditioning?: ConditioningDocument; prompt?: string } | null>> = {
  'no control': () => ({}),
  'paint-with-words': (s) => ({ conditioning: { version: 1, paintWithWordsStrength: 1, regions: s.objects.map((o, i) => ({ id: `o${i}`, phrase: phrase(o), mask: { kind: 'rect', rect: rect(o.box) } })) } }),
  'regional masks': (s) => ({ conditioning: { version: 1, regionalMode: 'attention-masks', regions: s.objects.map((o, i) => ({ id: `o${i}`, prompt: `a ${phrase(o)}`, mask: { kind: 'rect', rect: rect(o.box) } })) } }),
  'latent composition': (s) => ({ conditioning: { version: 1, regionalMode: 'latent-composition', regions: s.objects.map((o, i) => ({ id: `o${i}`, prompt: `a ${phrase(o)}`, mask: { kind: 'rect', rect: rect(o.box) } })) } }),
  'layout boxes': (s) => ({ conditioning: { version: 1, boxes: s.objects.map((o, i) => ({ id: `o${i}`, label: phrase(o), rect: rect(o.box) })) } }),
  'scene graph': (s) => ({
    prompt: '',
    conditioning: {
      version: 1,
      sceneGraph: {
        objects: s.objects.map((o, i) => ({ id: `o${i}`, name: o.shape, attributes: [o.size, o.color] })),
        relations: directional(s).map((r) => ({ subject: `o${r.subject}`, predicate: r.predicate as Relation, object: `o${r.object}` })),
      },
    },
  }),
};

/** Each pair's directional relation once (the world's truth lists both directions). */
function directional(scene: Scene) {
  return scene.relations.filter((r) => r.subject < r.object && DIRECTIONAL.has(r.predicate));
}

async function main(): Promise<void> {
  const palette = JSON.parse(readFileSync(join(MODEL, 'world.json'), 'utf8')) as WorldPalette;
  const scenes = (JSON.parse(readFileSync(join(repoRoot, 'bench', 'starter-heldout.json'), 'utf8')) as { scenes: Scene[] }).scenes.slice(0, preset.scenes);
  const engine = new Engine({ platform: process.platform, version: 'eval', cacheDir: mkdtempSync(join(tmpdir(), 'wordbrush-control-cache-')) });
  const outputDir = mkdtempSync(join(tmpdir(), 'wordbrush-control-'));
  const rows: string[] = [];
  const failures: string[] = [];
  const grid: Uint8Array[][] = [];
  let size = 64;
  for (const [mode, build] of Object.entries(MODES)) {
    const totals = { named: 0, present: 0, shape: 0, hits: 0, iou: 0, guided: 0, relations: 0, relationsHeld: 0 };
    const samples: Uint8Array[] = [];
    for (const scene of scenes) {
      const setup = build(scene)!;
      for (let seed = 0; seed < preset.seeds; seed++) {
        const request = { model: MODEL, prompt: setup.prompt ?? scene.caption, negativePrompt: '', seed, steps: preset.steps, outputDir, ...overrides, ...(setup.conditioning ? { conditioning: setup.conditioning } : {}) };
        const result = await engine.run(request, { previewIntervalMs: Infinity }).catch((error: unknown) => {
          // A sample that fails is a miss on every measure, and listed: the evaluation never stops short.
          failures.push(`${mode}, scene ${scenes.indexOf(scene)}, seed ${seed}: ${error instanceof Error ? error.message : String(error)}`);
          return null;
        });
        if (!result) {
          totals.named += scene.objects.length;
          totals.guided += scene.objects.length;
          totals.relations += directional(scene).length;
          continue;
        }
        const image = decodeRgbPng(readFileSync(result.images[0]!.path), 'result');
        size = image.width;
        if (samples.length < 8) samples.push(image.data);
        const found = detectObjects(image, palette);
        // Where each object was asked to be: the solver's boxes for a scene graph, else the truth boxes
        // (for "no control" too: its hit rate is the baseline the controlled modes are measured against).
        const asked = mode === 'scene graph' ? scene.objects.map((_, i) => result.layout.find((b) => b.id === `o${i}`)?.rect) : scene.objects.map((o) => rect(o.box));
        const detected = scene.objects.map((o) => found.find((f) => f.color === o.color));
        scene.objects.forEach((o, i) => {
          const d = detected[i];
          totals.named++;
          if (d) {
            totals.present++;
            if (d.shape === o.shape) totals.shape++;
          }
          const target = asked[i];
          if (target) {
            totals.guided++;
            if (d) {
              const [cx, cy] = [(d.box[0] + d.box[2]) / 2, (d.box[1] + d.box[3]) / 2];
              if (cx >= target.x && cx <= target.x + target.width && cy >= target.y && cy <= target.y + target.height) totals.hits++;
              totals.iou += iou(d.box, [target.x, target.y, target.x + target.width, target.y + target.height]);
            }
          }
        });
        for (const r of directional(scene)) {
          totals.relations++;
          const [a, b] = [detected[r.subject], detected[r.object]];
          if (a && b && relationHolds(r.predicate as Relation, rect(a.box), rect(b.box))) totals.relationsHeld++;
        }
      }
    }
    grid.push(samples);
    const pct = (n: number, d: number) => (d === 0 ? '—' : `${((100 * n) / d).toFixed(0)} %`);
    rows.push(`| ${mode} | ${pct(totals.present, totals.named)} | ${pct(totals.shape, totals.present)} | ${pct(totals.hits, totals.guided)} | ${totals.guided ? (totals.iou / totals.guided).toFixed(2) : '—'} | ${pct(totals.relationsHeld, totals.relations)} |`);
    console.log(rows.at(-1));
  }
  const table = [
    `Starter model, ${scenes.length} held-out captions x ${preset.seeds} seeds, ${preset.steps} steps (preset ${values.preset}).`,
    '',
    '| mode | presence | shape | region hit | box IoU | relations |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `"no control" presence is the model's baseline prompt fidelity: do the named objects appear at all; its region hit and IoU are measured against the same truth boxes the controlled modes are given, as the baseline.`,
    ...(failures.length > 0 ? ['', `Failed samples (${failures.length}, counted as misses):`, '', ...failures.map((f) => `- ${f}`)] : []),
  ].join('\n');
  if (failures.length > 0) console.warn(`${failures.length} failed samples, counted as misses:\n${failures.join('\n')}`);
  const docs = resolve(values.out ?? join(repoRoot, 'docs', 'starter'));
  mkdirSync(docs, { recursive: true });
  writeFileSync(join(docs, 'control.md'), `${table}\n`);
  writeFileSync(join(docs, 'control-grid.png'), gridPng(grid, size));
  console.log(`\n${table}\n\nwrote control.md and control-grid.png in ${docs}`);
}

/** Samples side by side, one row per mode, 2 px gaps. */
function gridPng(rows: readonly Uint8Array[][], size: number): Buffer {
  const columns = Math.max(...rows.map((r) => r.length));
  const [width, height] = [columns * (size + 2), rows.length * (size + 2)];
  const data = new Uint8Array(width * height * 3).fill(24);
  rows.forEach((row, r) =>
    row.forEach((image, c) => {
      for (let y = 0; y < size; y++) data.set(image.subarray(y * size * 3, (y + 1) * size * 3), ((r * (size + 2) + y) * width + c * (size + 2)) * 3);
    }),
  );
  return encodePng(width, height, data);
}

void main();

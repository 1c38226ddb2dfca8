import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { Engine } from '../../main/engine/engine';
import { decodeRgbPng } from '../../main/images/png-images';
import { fixtureModels } from '../helpers/backend';

/**
 * Optimised graphs saved on a model's first load and opened on later ones,
 * with the same pictures; a damaged one optimised again, a changed model
 * optimised anew, a cache that cannot be written costing only the saving.
 */
const work = mkdtempSync(join(tmpdir(), 'wordbrush-optimized-'));
const model = join(work, 'model');
cpSync(join(fixtureModels, 'sd1-conversion'), model, { recursive: true });

// Every session onnxruntime is asked for on the CPU: what it opens, at which optimisation level.
type Create = (path: unknown, options?: ort.InferenceSession.SessionOptions) => Promise<ort.InferenceSession>;
const factory = ort.InferenceSession as unknown as { create: Create };
const create = factory.create;
const opened: { path: string; level: string | undefined }[] = [];
/** The UNet's fused graph (fused-attention.ts) opens from bytes, its weights in the model's folder. */
const DERIVED = '(a graph derived from the model, as bytes)';
factory.create = (path, options) => {
  // The CPU's only (the engine tries WebGPU first, which fails on a machine without a GPU); not the fusion's own check runs, at level basic.
  if (options?.executionProviders?.[0] === 'cpu' && options.graphOptimizationLevel !== 'basic') opened.push({ path: typeof path === 'string' ? path : DERIVED, level: options.graphOptimizationLevel });
  return create.call(ort.InferenceSession, path, options);
};

async function runOnce(cacheDir: string) {
  opened.length = 0;
  // A new engine is a new load, as a new studio or CLI process makes.
  const engine = new Engine({ platform: process.platform, version: 'test', cacheDir });
  const loading: boolean[] = [];
  const result = await engine.run(
    { model, prompt: 'a red star', seed: 5, steps: 2, width: 64, height: 64, outputDir: join(work, 'out') },
    { previewIntervalMs: Infinity, onProgress: (p) => void (p.phase === 'loading' && loading.push(p.optimising === true)) },
  );
  await engine.release();
  // The pixels: the PNG's text also records the run's timings, which differ.
  return { optimising: loading, warnings: result.warnings, pixels: decodeRgbPng(readFileSync(result.images[0]!.path), 'result').data, opened: [...opened] };
}

describe('optimised graphs cached per machine', () => {
  after(() => {
    factory.create = create;
    rmSync(work, { recursive: true, force: true });
  });
  const cacheDir = join(work, 'cache');
  const saved = () => readdirSync(join(cacheDir, 'optimized-graphs')).filter((f) => f.endsWith('.onnx')).sort();

  test('the first load optimises and saves each part; the next opens the saved graphs with optimisation off, and draws the same picture', async () => {
    const first = await runOnce(cacheDir);
    assert.ok(first.opened.every((o) => (o.path.startsWith(model) || o.path === DERIVED) && o.level === 'all'), JSON.stringify(first.opened));
    assert.equal(saved().length, 3, 'text encoder, UNet and VAE decoder');
    const second = await runOnce(cacheDir);
    assert.deepEqual(second.opened.map((o) => [o.path.startsWith(join(cacheDir, 'optimized-graphs')), o.level]), [[true, 'disabled'], [true, 'disabled'], [true, 'disabled']]);
    assert.deepEqual(second.pixels, first.pixels);
    assert.deepEqual([first.warnings, second.warnings], [[], []]);
    // The loading phase says when it optimises (the first load here), so a person knows why it takes longer.
    assert.deepEqual([first.optimising, second.optimising], [[true], [false]]);
  });

  test('a damaged saved graph is optimised again, with a warning, and replaced', async () => {
    const [victim] = saved();
    writeFileSync(join(cacheDir, 'optimized-graphs', victim!), 'not an onnx graph');
    const run = await runOnce(cacheDir);
    assert.equal(run.warnings.filter((w) => /could not be opened .*; it was optimised again/.test(w)).length, 1, run.warnings.join('\n'));
    assert.ok(readFileSync(join(cacheDir, 'optimized-graphs', victim!)).length > 1000, 'saved again');
    assert.deepEqual((await runOnce(cacheDir)).warnings, []);
  });

  test('a changed model is optimised anew', async () => {
    const before = saved();
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(model, 'unet', 'model.onnx'), later, later);
    const run = await runOnce(cacheDir);
    assert.ok(run.opened.some((o) => o.path === DERIVED && o.level === 'all'), 'the fused UNet, optimised again');
    assert.equal(saved().filter((f) => !before.includes(f)).length, 1, 'one new graph: the UNet');
  });

  test('a cache folder that cannot be written costs the saving only, said once', async () => {
    const blocked = join(work, 'blocked');
    writeFileSync(blocked, 'a file where the cache folder would be');
    const run = await runOnce(blocked);
    assert.equal(run.warnings.filter((w) => /could not be saved/.test(w)).length, 3, run.warnings.join('\n'));
    assert.equal(run.pixels.length, 64 * 64 * 3);
  });
});

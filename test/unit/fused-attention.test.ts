import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { decode } from 'fast-png';
import * as ort from 'onnxruntime-node';
import type { GenerationRequest } from '../../app/contract/generation';
import { Engine } from '../../main/engine/engine';
import { fuseAttention, FUSED_TOLERANCE, NotFusableError } from '../../main/engine/graph/fused-attention';
import { onnx } from '../../main/engine/onnx/generated/onnx';
import { fixtureModels } from '../helpers/backend';

/**
 * Attention fused into onnxruntime's MultiHeadAttention (issue #22, item 2):
 * on every fixture export layout the fused UNet answers what the exported one
 * does within 1e-5 relative RMS (1e-3 in half precision), runs and
 * paint-with-words give the same pictures, and the fusion is made once.
 */
const work = mkdtempSync(join(tmpdir(), 'wordbrush-fused-'));
const LAYOUTS = ['sd1-conversion', 'sd1-optimum', 'sd1-fp16', 'sd1-static', 'sd1-sdpa', 'sd2-v', 'sdxl', 'sdxl-refiner', 'f4c8', '../starter'];
const ops = (bytes: Uint8Array) => (onnx.ModelProto.decode(bytes).graph?.node ?? []).map((n) => n.opType);

// Sessions onnxruntime is asked for at level basic: the fusion's own probe and check runs.
type Create = (path: unknown, options?: ort.InferenceSession.SessionOptions) => Promise<ort.InferenceSession>;
const factory = ort.InferenceSession as unknown as { create: Create };
const create = factory.create;
let checks = 0;
factory.create = (path, options) => {
  if (options?.graphOptimizationLevel === 'basic') checks++;
  return create.call(ort.InferenceSession, path, options);
};

describe('attention fused into MultiHeadAttention', () => {
  after(() => {
    factory.create = create;
    rmSync(work, { recursive: true, force: true });
  });

  for (const layout of LAYOUTS) {
    test(`${layout}: every attention block becomes one MultiHeadAttention and residual LayerNorms SkipLayerNormalization, the output the exported graph's within tolerance`, async () => {
      const dir = join(fixtureModels, layout, 'unet');
      const source = readFileSync(join(dir, 'model.onnx'));
      const fused = await fuseAttention(source, dir);
      const before = ops(source);
      const after = ops(fused.model);
      assert.equal(fused.blocks, before.filter((op) => op === 'Softmax').length, 'every softmax was an attention block');
      assert.equal(after.filter((op) => op === 'MultiHeadAttention').length, fused.blocks);
      assert.equal(after.filter((op) => op === 'Softmax').length, 0);
      // Each residual addition before a LayerNormalization fused with it (the fp16 export casts in between, and keeps them apart).
      assert.equal(after.filter((op) => op === 'SkipLayerNormalization').length, fused.skipNorms);
      if (layout !== 'sd1-fp16') assert.ok(fused.skipNorms > 0, 'residual LayerNorms fused');
      assert.ok(after.length < before.length, `${after.length} nodes from ${before.length}`);
      assert.ok(fused.difference <= (layout === 'sd1-fp16' ? FUSED_TOLERANCE.float16 : FUSED_TOLERANCE.float32), `${fused.difference}`);
    });
  }

  test('a graph whose attention adds a mask to its scores (a causal text encoder) is left as it is', async () => {
    const dir = join(fixtureModels, 'sd1-optimum', 'text_encoder');
    await assert.rejects(fuseAttention(readFileSync(join(dir, 'model.onnx')), dir), NotFusableError);
  });

  const request = (model: string, overrides: Partial<GenerationRequest> = {}): GenerationRequest => ({ model: join(fixtureModels, model), prompt: 'a red star left of a blue ring', seed: 9, steps: 4, sampler: 'euler', width: 64, height: 64, outputDir: join(work, 'out'), ...overrides });
  const pixels = (path: string) => decode(readFileSync(path)).data as Uint8Array;
  const largestDifference = (a: Uint8Array, b: Uint8Array) => a.reduce((most, v, i) => Math.max(most, Math.abs(v - b[i]!)), 0);

  test('runs on the fused UNet draw what the exported one draws, plainly and with paint-with-words; the fusion is made once and then read', async () => {
    const cacheDir = join(work, 'cache');
    const fusedEngine = new Engine({ platform: process.platform, version: 'test', cacheDir });
    const plainEngine = new Engine({ platform: process.platform, version: 'test', cacheDir: join(work, 'plain-cache'), fuseAttention: false });
    const painted = { version: 1 as const, paintWithWordsStrength: 0.6, regions: [{ id: 'star', phrase: 'red star', mask: { kind: 'rect' as const, rect: { x: 0, y: 0, width: 0.5, height: 1 } } }] };
    try {
      for (const layout of ['sd1-optimum', 'sdxl']) {
        for (const conditioning of [undefined, painted]) {
          const [fused, plain] = [await fusedEngine.run(request(layout, { conditioning })), await plainEngine.run(request(layout, { conditioning }))];
          assert.equal(fused.spatialControl, plain.spatialControl);
          assert.ok(largestDifference(pixels(fused.images[0]!.path), pixels(plain.images[0]!.path)) <= 1, `${layout} ${conditioning ? 'painted' : 'plain'}`);
        }
      }
      assert.equal((await fusedEngine.loadedModel())?.attentionFused, true);
      assert.equal((await plainEngine.loadedModel())?.attentionFused, false);
    } finally {
      await Promise.all([fusedEngine.release(), plainEngine.release()]);
    }
    checks = 0;
    const again = new Engine({ platform: process.platform, version: 'test', cacheDir });
    await again.run(request('sd1-optimum'));
    await again.release();
    assert.equal(checks, 0, 'the cached fusion is read, not made again');
  });

  test('a fused graph that does not open leaves the UNet as exported, with a warning; the picture is the same', async () => {
    const cacheDir = join(work, 'damaged-cache');
    const first = new Engine({ platform: process.platform, version: 'test', cacheDir });
    const good = await first.run(request('sd1-conversion'));
    await first.release();
    for (const file of readdirSync(cacheDir).filter((f) => f.startsWith('unet-fused-') && f.endsWith('.onnx'))) writeFileSync(join(cacheDir, file), 'not a graph');
    for (const file of readdirSync(join(cacheDir, 'optimized-graphs'))) rmSync(join(cacheDir, 'optimized-graphs', file));
    const second = new Engine({ platform: process.platform, version: 'test', cacheDir });
    const fallback = await second.run(request('sd1-conversion'));
    assert.equal((await second.loadedModel())?.attentionFused, false);
    await second.release();
    assert.ok(fallback.warnings.some((w) => /sd1-conversion's fused UNet did not open .*: it runs as exported, which takes more memory/.test(w)), fallback.warnings.join('\n'));
    assert.ok(largestDifference(pixels(good.images[0]!.path), pixels(fallback.images[0]!.path)) <= 1);
  });
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { onnx } from '../../main/engine/onnx/generated/onnx';
import * as ort from 'onnxruntime-node';
import { maskInput, NotPatchableError, patchCrossAttention, pwwInput, PWW_SCALE_INPUT } from '../../main/engine/graph/attention-bias';
import { makeTensor, readFloats, type ElementType } from '../../main/engine/onnx/tensors';
import { ATTENTION_WEIGHTS, attentionGraph, HEADS, WIDTH } from '../helpers/attention-graphs';
import { fixtureModels } from '../helpers/backend';

type Meta = { name: string; type: ElementType; shape: (number | string)[] };

/** The original UNet's inputs at 8x8 latents, batch 2, with varied values (fixed: same feeds for both graphs). */
function unetFeeds(session: ort.InferenceSession): Record<string, ort.Tensor> {
  const meta = Object.fromEntries((session.inputMetadata as unknown as Meta[]).map((m) => [m.name, m]));
  const width = Number(meta.encoder_hidden_states!.shape[2]);
  const channels = Number(meta.sample!.shape[1]);
  const values = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));
  const timesteps = meta.timestep!.shape[0] === 1 ? [500] : [500, 500];
  const feeds: Record<string, ort.Tensor> = {
    // The latent's channels as the export declares them (4 for SD's VAE, 8 for f4c8's).
    sample: makeTensor(meta.sample!.type, values(2 * channels * 64, (i) => Math.sin(i)), [2, channels, 8, 8]),
    timestep: makeTensor(meta.timestep!.type, timesteps, [timesteps.length]),
    encoder_hidden_states: makeTensor(meta.encoder_hidden_states!.type, values(2 * 77 * width, (i) => Math.cos(i * 0.37)), [2, 77, width]),
  };
  if (meta.text_embeds) {
    feeds.text_embeds = makeTensor('float32', values(2 * Number(meta.text_embeds.shape[1]), (i) => i * 0.01), [2, Number(meta.text_embeds.shape[1])]);
    feeds.time_ids = makeTensor('float32', values(12, () => 64), [2, 6]);
  }
  return feeds;
}

/** Bias inputs for every resolution of the patch: pww weights from `pww`, masks from `mask` (position, token). */
function biasFeeds(factors: readonly number[], scale: number, pww: (q: number, k: number) => number, mask: (q: number, k: number) => number) {
  const feeds: Record<string, ort.Tensor> = { [PWW_SCALE_INPUT]: makeTensor('float32', [scale], [1]) };
  for (const f of factors) {
    const positions = (8 / f) * (8 / f);
    const fill = (g: (q: number, k: number) => number) => Float32Array.from({ length: 2 * positions * 77 }, (_, i) => (i < positions * 77 ? 0 : g(Math.floor((i % (positions * 77)) / 77), i % 77)));
    feeds[pwwInput(f)] = makeTensor('float32', fill(pww), [2, positions, 77]);
    feeds[maskInput(f)] = makeTensor('float32', fill(mask), [2, positions, 77]);
  }
  return feeds;
}

const maxDifference = (a: Float32Array, b: Float32Array) => a.reduce((max, v, i) => Math.max(max, Math.abs(v - b[i]!)), 0);

describe('cross-attention bias patch', () => {
  // sd1-sdpa is the other export route: heads folded into the batch, Q and K scaled by an in-graph Sqrt.
  for (const model of ['sd1-conversion', 'sd1-optimum', 'sd1-fp16', 'sd1-static', 'sd1-sdpa', 'sd2-v', 'sdxl', 'f4c8']) {
    test(`${model}: finds the 5 cross-attention layers; zero bias leaves the output unchanged, a bias changes it`, async () => {
      const dir = join(fixtureModels, model, 'unet');
      const patch = patchCrossAttention(readFileSync(join(dir, 'model.onnx')));
      assert.equal(patch.layers.length, 5);
      assert.deepEqual(patch.factors, [1, 2]);
      const original = await ort.InferenceSession.create(join(dir, 'model.onnx'));
      const patched = await ort.InferenceSession.create(patch.model, { extra: { session: { model_external_initializers_file_folder_path: dir } } } as ort.InferenceSession.SessionOptions);
      const feeds = unetFeeds(original);
      const reference = readFloats((await original.run(feeds)).out_sample!);
      const zero = readFloats((await patched.run({ ...feeds, ...biasFeeds(patch.factors, 0.7, () => 0, () => 0) })).out_sample!);
      assert.ok(maxDifference(reference, zero) <= 1e-5, `zero bias moved the output by ${maxDifference(reference, zero)}`);
      const painted = readFloats((await patched.run({ ...feeds, ...biasFeeds(patch.factors, 0.7, (q, k) => (k === 3 && q < 8 ? 1 : 0), () => 0) })).out_sample!);
      assert.ok(maxDifference(reference, painted) > 1e-3, 'paint-with-words weights had no effect');
      const masked = readFloats((await patched.run({ ...feeds, ...biasFeeds(patch.factors, 0, () => 0, (_q, k) => (k > 10 ? -10000 : 0)) })).out_sample!);
      assert.ok(maxDifference(reference, masked) > 1e-3, 'hard masks had no effect');
    });
  }

  test('the bias reaches only the conditional half of the batch when the unconditional rows are zero', async () => {
    const dir = join(fixtureModels, 'sd1-optimum', 'unet');
    const patch = patchCrossAttention(readFileSync(join(dir, 'model.onnx')));
    const original = await ort.InferenceSession.create(join(dir, 'model.onnx'));
    const patched = await ort.InferenceSession.create(patch.model, { extra: { session: { model_external_initializers_file_folder_path: dir } } } as ort.InferenceSession.SessionOptions);
    const feeds = unetFeeds(original);
    const reference = readFloats((await original.run(feeds)).out_sample!);
    const biased = readFloats((await patched.run({ ...feeds, ...biasFeeds(patch.factors, 0, () => 0, (_q, k) => (k > 10 ? -10000 : 0)) })).out_sample!);
    const half = reference.length / 2;
    assert.ok(maxDifference(reference.subarray(0, half), biased.subarray(0, half)) <= 1e-5);
    assert.ok(maxDifference(reference.subarray(half), biased.subarray(half)) > 1e-3);
  });

  test("an Einsum export and onnxruntime's fused MultiHeadAttention get the same bias as the written-out attention", async () => {
    // Same weights, one layer each; the fused one's max(S) comes from the side branch.
    const [plain, fused, einsum] = [attentionGraph('written-out'), attentionGraph('fused'), attentionGraph('einsum')];
    const patches = [patchCrossAttention(plain), patchCrossAttention(fused), patchCrossAttention(einsum)];
    for (const patch of patches) assert.deepEqual(patch.factors, [1]);
    const sessions = await Promise.all([plain, fused, ...patches.map((p) => p.model)].map((m) => ort.InferenceSession.create(m)));
    // sessions: plain, fused, patched plain, patched fused, patched einsum
    const feeds = {
      sample: makeTensor('float32', Float32Array.from({ length: 2 * 4 * 16 }, (_, i) => Math.sin(i)), [2, 4, 4, 4]),
      timestep: makeTensor('int64', [1, 1], [2]),
      encoder_hidden_states: makeTensor('float32', Float32Array.from({ length: 2 * 77 * 8 }, (_, i) => Math.cos(i * 0.3)), [2, 77, 8]),
    };
    const bias = (scale: number, pww: (q: number, k: number) => number, mask: (q: number, k: number) => number) => {
      const fill = (g: (q: number, k: number) => number) => Float32Array.from({ length: 2 * 16 * 77 }, (_, i) => (i < 16 * 77 ? 0 : g(Math.floor((i % (16 * 77)) / 77), i % 77)));
      return { [PWW_SCALE_INPUT]: makeTensor('float32', [scale], [1]), [pwwInput(1)]: makeTensor('float32', fill(pww), [2, 16, 77]), [maskInput(1)]: makeTensor('float32', fill(mask), [2, 16, 77]) };
    };
    const out = async (session: ort.InferenceSession, extra = {}) => readFloats((await session.run({ ...feeds, ...extra })).out_sample!);
    const [referencePlain, referenceFused] = [await out(sessions[0]!), await out(sessions[1]!)];
    assert.ok(maxDifference(referencePlain, referenceFused) < 1e-6);
    const zero = bias(0.5, () => 0, () => 0);
    assert.ok(maxDifference(await out(sessions[3]!, zero), referenceFused) <= 1e-5, 'zero bias moved the fused output');
    const painted = bias(0.8, (q, k) => (k === 3 && q < 8 ? 1 : 0), (_q, k) => (k > 40 ? -10000 : 0));
    const [plainPainted, fusedPainted] = [await out(sessions[2]!, painted), await out(sessions[3]!, painted)];
    assert.ok(maxDifference(fusedPainted, referenceFused) > 1e-4, 'the bias had no effect on the fused layer');
    assert.ok(maxDifference(plainPainted, fusedPainted) <= 1e-5, `fused and written-out attention disagree by ${maxDifference(plainPainted, fusedPainted)}`);
    assert.ok(maxDifference(plainPainted, await out(sessions[4]!, painted)) <= 1e-5, 'the Einsum export disagrees');
  });

  test('the patched layer computes softmax(S + pww_scale·max(S)·A + M)·V exactly as written by hand', async () => {
    const patch = patchCrossAttention(attentionGraph('written-out'));
    const session = await ort.InferenceSession.create(patch.model);
    const [batch, positions, tokens] = [2, 16, 77];
    const sample = Float32Array.from({ length: batch * 4 * positions }, (_, i) => Math.sin(i * 0.7));
    const context = Float32Array.from({ length: batch * tokens * WIDTH }, (_, i) => Math.cos(i * 0.3));
    const scale = 0.8;
    const pww = (b: number, q: number, k: number) => (b === 1 && k === 3 && q < 8 ? 6 : b === 1 && k === 5 ? 3 : 0);
    const mask = (b: number, _q: number, k: number) => (b === 1 && k > 40 ? -10000 : 0);
    const grid = (g: (b: number, q: number, k: number) => number) => Float32Array.from({ length: batch * positions * tokens }, (_, i) => g(Math.floor(i / (positions * tokens)), Math.floor(i / tokens) % positions, i % tokens));
    const got = readFloats(
      (
        await session.run({
          sample: makeTensor('float32', sample, [batch, 4, 4, 4]),
          timestep: makeTensor('int64', [1, 1], [2]),
          encoder_hidden_states: makeTensor('float32', context, [batch, tokens, WIDTH]),
          [PWW_SCALE_INPUT]: makeTensor('float32', [scale], [1]),
          [pwwInput(1)]: makeTensor('float32', grid(pww), [batch, positions, tokens]),
          [maskInput(1)]: makeTensor('float32', grid(mask), [batch, positions, tokens]),
        })
      ).out_sample!,
    );

    // The same layer by hand, in float64: projections, per-head scores, one max over all scores, the bias, softmax, values, output projection.
    const matmul = (x: (r: number, c: number) => number, rows: number, w: { rows: number; cols: number; values: number[] }) =>
      Array.from({ length: rows }, (_, r) => Array.from({ length: w.cols }, (_, c) => Array.from({ length: w.rows }, (_, i) => x(r, i) * w.values[i * w.cols + c]!).reduce((a, b) => a + b, 0)));
    const depth = WIDTH / HEADS;
    const perBatch = Array.from({ length: batch }, (_, b) => {
      const q = matmul((p, c) => sample[b * 4 * positions + c * positions + p]!, positions, ATTENTION_WEIGHTS.w_q);
      const k = matmul((t, c) => context[(b * tokens + t) * WIDTH + c]!, tokens, ATTENTION_WEIGHTS.w_k);
      const v = matmul((t, c) => context[(b * tokens + t) * WIDTH + c]!, tokens, ATTENTION_WEIGHTS.w_v);
      const scores = Array.from({ length: HEADS }, (_, h) =>
        Array.from({ length: positions }, (_, p) => Array.from({ length: tokens }, (_, t) => Array.from({ length: depth }, (_, d) => q[p]![h * depth + d]! * k[t]![h * depth + d]!).reduce((a, c) => a + c, 0) / Math.sqrt(depth))),
      );
      return { v, scores };
    });
    const maxS = Math.max(...perBatch.flatMap(({ scores }) => scores.flat(2)));
    const expected = new Float32Array(batch * 4 * positions);
    perBatch.forEach(({ v, scores }, b) => {
      const attended = Array.from({ length: positions }, (_, p) =>
        Array.from({ length: WIDTH }, (_, c) => {
          const h = Math.floor(c / depth);
          const logits = scores[h]![p]!.map((s, t) => s + scale * maxS * pww(b, p, t) + mask(b, p, t));
          const top = Math.max(...logits);
          const weights = logits.map((l) => Math.exp(l - top));
          const total = weights.reduce((a, w) => a + w, 0);
          return weights.reduce((sum, w, t) => sum + (w / total) * v[t]![c]!, 0);
        }),
      );
      const projected = matmul((p, c) => attended[p]![c]!, positions, ATTENTION_WEIGHTS.w_o);
      for (let c = 0; c < 4; c++) for (let p = 0; p < positions; p++) expected[b * 4 * positions + c * positions + p] = projected[p]![c]!;
    });
    assert.ok(maxDifference(got, expected) <= 1e-4, `the patched layer differs from the formula by ${maxDifference(got, expected)}`);
  });

  test('a graph using recent IR features keeps every field through the patch (the schema is the current onnx-ml.proto)', () => {
    const model = onnx.ModelProto.decode(attentionGraph('written-out'));
    model.irVersion = 11;
    model.metadataProps = [{ key: 'exported_by', value: 'a recent exporter' }];
    model.configuration = [{ name: 'two-gpus', numDevices: 2, device: ['cuda:0', 'cuda:1'] }];
    model.functions = [{ name: 'Helper', domain: 'local', overload: 'v2', input: ['x'], output: ['y'], node: [{ opType: 'Identity', input: ['x'], output: ['y'] }], metadataProps: [{ key: 'k', value: 'v' }] }];
    const graph = model.graph!;
    graph.metadataProps = [{ key: 'graph_note', value: 'kept' }];
    const first = graph.node![0]!;
    first.metadataProps = [{ key: 'node_note', value: 'kept too' }];
    first.deviceConfigurations = [{ configurationId: 'two-gpus', shardingSpec: [{ tensorName: 'sample', device: [0, 1] }] }];
    const source = onnx.ModelProto.encode(model).finish();

    const patched = onnx.ModelProto.decode(patchCrossAttention(source).model);
    const plain = (m: onnx.IModelProto) => JSON.parse(JSON.stringify(onnx.ModelProto.toObject(m as onnx.ModelProto, { longs: Number, bytes: String }))) as Record<string, unknown>;
    const [before, after] = [plain(model), plain(patched)];
    for (const field of ['irVersion', 'metadataProps', 'configuration', 'functions', 'opsetImport']) assert.deepEqual(after[field], before[field], field);
    const graphOf = (m: Record<string, unknown>) => m.graph as { metadataProps: unknown; node: { name: string }[] };
    assert.deepEqual(graphOf(after).metadataProps, graphOf(before).metadataProps);
    // The patch adds nodes and feeds the softmax the biased scores; every original node is there, unchanged but for that input.
    const withoutInput = (node: { name: string; input?: unknown } | undefined) => ({ ...node, input: undefined });
    for (const node of graphOf(before).node as { name: string; opType: string }[]) {
      const kept = graphOf(after).node.find((n) => n.name === node.name);
      assert.deepEqual(node.opType === 'Softmax' ? withoutInput(kept) : kept, node.opType === 'Softmax' ? withoutInput(node) : node, node.name);
    }
  });

  test('graphs without cross-attention are reported, not patched', () => {
    assert.throws(() => patchCrossAttention(readFileSync(join(fixtureModels, 'sd1-optimum', 'vae_decoder', 'model.onnx'))), NotPatchableError);
    // A UNet-shaped interface with no attention inside.
    const T = onnx.TensorProto.DataType.FLOAT;
    const io = (name: string) => ({ name, type: { tensorType: { elemType: T, shape: { dim: [{ dimParam: 'n' }] } } } });
    const plain = onnx.ModelProto.encode({
      irVersion: 8,
      opsetImport: [{ version: 17 }],
      graph: { name: 'plain', node: [{ opType: 'Add', input: ['sample', 'encoder_hidden_states'], output: ['out_sample'] }], input: [io('sample'), io('encoder_hidden_states')], output: [io('out_sample')] },
    }).finish();
    assert.throws(() => patchCrossAttention(plain), /No cross-attention layer found/);
  });
});

import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { GenerationRequest } from '../../app/contract/generation';
import { generate } from '../../main/engine/pipeline/generate';
import { Engine } from '../../main/engine/engine';
import { LoadedModel } from '../../main/engine/model/loaded-model';
import { maskInput, pwwInput, PWW_SCALE_INPUT } from '../../main/engine/graph/attention-bias';
import { encodePromptTo, encodePrompts } from '../../main/engine/pipeline/text-conditioning';
import { spatialDenoiser } from '../../main/engine/conditioning/spatial-denoiser';
import { downsample, rectMask } from '../../main/engine/conditioning/masks';
import { layerNumberingTextEncoder, meanContextUnet } from '../helpers/unet-graphs';
import { readFloats } from '../../main/engine/onnx/tensors';
import { fixtureModels } from '../helpers/backend';
import { writeTestPng } from '../helpers/images';
import { encodeImage } from '../../main/engine/pipeline/vae';
import { readImageSource } from '../../main/images/png-images';
import { TorchGenerator } from '../../main/engine/sampling/torch-randn';

/**
 * Numbers of the conditioning pinned against arithmetic done here, not by
 * the code under test: eDiff-I's paint-with-words schedule per step, the
 * regional attention masks, MultiDiffusion's weighted average, A1111's
 * prompt emphasis with its mean restored, and SDXL's zeroed negative.
 */
const work = mkdtempSync(join(tmpdir(), 'wordbrush-pinned-'));
const model = join(fixtureModels, 'sd1-optimum');
const starter = join(fixtureModels, '..', 'starter');

/** SD's noise level at a training timestep, from its scaled-linear betas (the fixture's scheduler_config). */
function sdSigma(t: number): number {
  let alphaBar = 1;
  for (let i = 0; i <= t; i++) {
    const beta = (Math.sqrt(0.00085) + ((Math.sqrt(0.012) - Math.sqrt(0.00085)) * i) / 999) ** 2;
    alphaBar *= 1 - beta;
  }
  return Math.sqrt((1 - alphaBar) / alphaBar);
}

// The class behind onnxruntime's session factory: its `run` is watched for the feeds each UNet call gets.
type Run = (this: ort.InferenceSession, feeds: ort.InferenceSession.FeedsType, ...rest: unknown[]) => Promise<ort.InferenceSession.ReturnType>;
const sessionClass = ort.InferenceSession as unknown as { prototype: { run: Run } };
const scalar = (tensor: ort.Tensor) => (tensor.type === 'int64' ? Number((tensor.data as BigInt64Array)[0]) : readFloats(tensor)[0]!);

describe('conditioning numbers, against arithmetic', () => {
  const run = sessionClass.prototype.run;
  after(() => {
    sessionClass.prototype.run = run;
    rmSync(work, { recursive: true, force: true });
  });

  test("paint-with-words: each UNet call's scale is w · log(1 + sigma) at that call's noise level", async () => {
    // Every UNet call's feeds, as the session gets them.
    const calls: { timestep: number; scale: number }[] = [];
    sessionClass.prototype.run = function (feeds, ...rest) {
      const scale = feeds[PWW_SCALE_INPUT] as ort.Tensor | undefined;
      if (scale) calls.push({ timestep: scalar(feeds.timestep as ort.Tensor), scale: scalar(scale) });
      return run.call(this, feeds, ...rest);
    };
    const engine = new Engine({ platform: process.platform, version: 'test', cacheDir: join(work, 'cache') });
    const strength = 0.7;
    await engine.run(
      {
        model,
        prompt: 'a red star and a blue ring',
        seed: 3,
        steps: 4,
        sampler: 'euler',
        width: 64,
        height: 64,
        outputDir: join(work, 'out'),
        conditioning: { version: 1, paintWithWordsStrength: strength, regions: [{ id: 'star', phrase: 'red star', mask: { kind: 'rect', rect: { x: 0, y: 0, width: 0.5, height: 1 } } }] },
      },
      { previewIntervalMs: Infinity },
    );
    sessionClass.prototype.run = run;
    assert.equal(calls.length, 4, 'one biased UNet call per Euler step');
    // Leading spacing with steps_offset 1: 751, 501, 251, 1 for four steps of 1000.
    assert.deepEqual(calls.map((c) => c.timestep), [751, 501, 251, 1]);
    for (const { timestep, scale } of calls) {
      const expected = strength * Math.log(1 + sdSigma(timestep));
      assert.ok(Math.abs(scale - expected) < 1e-5 * expected, `t=${timestep}: ${scale} vs ${expected}`);
    }
  });

  test("a fixed-batch export (batch 2) run without guidance: the padding row repeats the prompt's row, paint included", async () => {
    const paints: { dims: readonly number[]; data: Float32Array }[] = [];
    sessionClass.prototype.run = function (feeds, ...rest) {
      const paint = feeds[pwwInput(1)] as ort.Tensor | undefined;
      if (paint) paints.push({ dims: paint.dims, data: readFloats(paint) });
      return run.call(this, feeds, ...rest);
    };
    const engine = new Engine({ platform: process.platform, version: 'test', cacheDir: join(work, 'cache') });
    const result = await engine.run(
      {
        model: join(fixtureModels, 'sd1-static'),
        prompt: 'a red star and a blue ring',
        seed: 3,
        steps: 2,
        cfgScale: 1,
        width: 64,
        height: 64,
        outputDir: join(work, 'out'),
        conditioning: { version: 1, paintWithWordsStrength: 0.7, regions: [{ id: 'star', phrase: 'red star', mask: { kind: 'rect', rect: { x: 0, y: 0, width: 0.5, height: 1 } } }] },
      },
      { previewIntervalMs: Infinity },
    );
    sessionClass.prototype.run = run;
    assert.equal(result.images.length, 1);
    assert.equal(paints.length, 2, 'one biased call per step');
    for (const { dims, data } of paints) {
      assert.equal(dims[0], 2);
      const row = data.length / 2;
      assert.deepEqual(data.subarray(row), data.subarray(0, row), 'the padding row is painted as the prompt row');
      assert.ok(data.some((v) => v > 0), 'the phrase is painted');
    }
  });

  test("img2img: strength s of N steps runs the plan's last max(1, floor(N·s)) steps from the init latent noised to their first sigma, counted 1..k in progress", async () => {
    const init = writeTestPng(join(work, 'init.png'), 64, 64, (x) => (x < 32 ? [220, 30, 30] : [30, 30, 220]));
    const engine = new Engine({ platform: process.platform, version: 'test', cacheDir: join(work, 'cache') });
    let firstSample: Float32Array | null = null;
    const runOf = async (strength: number) => {
      const timesteps: number[] = [];
      const progress: string[] = [];
      firstSample = null;
      sessionClass.prototype.run = function (feeds, ...rest) {
        if (feeds.timestep) timesteps.push(scalar(feeds.timestep as ort.Tensor));
        if (feeds.timestep && !firstSample) firstSample = readFloats(feeds.sample as ort.Tensor);
        return run.call(this, feeds, ...rest);
      };
      await engine.run(
        { model, prompt: 'a red star', seed: 3, steps: 10, sampler: 'euler', width: 64, height: 64, outputDir: join(work, 'out'), init: { image: init, strength } },
        { previewIntervalMs: Infinity, onProgress: (p) => void (p.phase === 'sampling' && progress.push(`${p.step}/${p.steps}`)) },
      );
      sessionClass.prototype.run = run;
      return { timesteps, progress };
    };
    // Loading the model checks its fused graph with UNet calls of its own: done before the calls are counted.
    await runOf(1);
    // Leading spacing, steps_offset 1: 901, 801, …, 1; 0.35 of 10 is 3 steps, from 201.
    assert.deepEqual((await runOf(1)).timesteps, [901, 801, 701, 601, 501, 401, 301, 201, 101, 1]);
    assert.deepEqual(await runOf(0.35), { timesteps: [201, 101, 1], progress: ['1/3', '2/3', '3/3'] });
    // The UNet's first input: (init latent + seeded noise · sigma_201) scaled by c_in = 1 / sqrt(sigma² + 1).
    const loaded = await LoadedModel.load(model, ['cpu']);
    const initLatent = await encodeImage(loaded, await readImageSource(init, 'The init image'));
    await loaded.release();
    const noise = new TorchGenerator(3).randn(initLatent.length);
    const sigma = sdSigma(201);
    const expected = initLatent.map((v, k) => (v + noise[k]! * sigma) / Math.sqrt(sigma * sigma + 1));
    const sample = firstSample as Float32Array | null;
    assert.ok(sample);
    expected.forEach((v, k) => assert.ok(Math.abs(sample[k]! - v) < 1e-4 * (1 + Math.abs(v)), `latent ${k}: ${sample[k]} vs ${v}`));
    assert.deepEqual(await runOf(0.05), { timesteps: [1], progress: ['1/1'] }, 'at least one step');
  });

  test("the starting latent: seeded noise at the plan's first sigma, as diffusers scales it (Euler's init_noise_sigma, unit variance in DDIM's and DPM-Solver's space)", async () => {
    const engine = new Engine({ platform: process.platform, version: 'test', cacheDir: join(work, 'cache') });
    const firstInput = async (overrides: Partial<GenerationRequest>) => {
      let first: Float32Array | null = null;
      sessionClass.prototype.run = function (feeds, ...rest) {
        if (feeds.timestep && !first) first = readFloats(feeds.sample as ort.Tensor);
        return run.call(this, feeds, ...rest);
      };
      try {
        await engine.run({ model, prompt: 'a red star', seed: 5, steps: 2, width: 64, height: 64, outputDir: join(work, 'out'), ...overrides });
      } finally {
        sessionClass.prototype.run = run;
      }
      return first as Float32Array | null;
    };
    // Loading checks the fused graph with UNet calls of its own: done before any is read.
    await firstInput({ sampler: 'euler' });
    const noise = new TorchGenerator(5).randn(4 * 8 * 8);
    const assertScaled = (sample: Float32Array | null, scale: number, label: string) => {
      assert.ok(sample, label);
      noise.forEach((v, k) => assert.ok(Math.abs(sample[k]! - v * scale) < 1e-5 * (1 + Math.abs(v)), `${label} latent ${k}: ${sample[k]} vs ${v * scale}`));
    };
    // Leading spacing: Euler starts at sqrt(sigma_max² + 1) · noise, DDIM and DPM-Solver at unit variance; c_in = 1 / sqrt(sigma² + 1) undoes either.
    for (const sampler of ['euler', 'euler_ancestral', 'ddim', 'dpmpp_2m'] as const) assertScaled(await firstInput({ sampler }), 1, sampler);
    // Trailing spacing (SD-Turbo): Euler's init_noise_sigma is sigma_max itself.
    const sigma = sdSigma(999);
    for (const sampler of ['euler', 'euler_ancestral'] as const) assertScaled(await firstInput({ sampler, family: 'sd-turbo' }), sigma / Math.sqrt(sigma * sigma + 1), `trailing ${sampler}`);
    assertScaled(await firstInput({ sampler: 'ddim', family: 'sd-turbo' }), 1, 'trailing ddim');
    await engine.release();
  });

  test("a plan that stops above sigma 0 (DDIM with set_alpha_to_one false) hands the VAE diffusers' latent: the last step's x / sqrt(1 + sigma_end²), unscaled by the VAE's factor", async () => {
    const loaded = await LoadedModel.load(model, ['cpu']);
    const unetSamples: Float32Array[] = [];
    let decoderInput: Float32Array | null = null;
    sessionClass.prototype.run = function (feeds, ...rest) {
      if (feeds.timestep) unetSamples.push(readFloats(feeds.sample as ort.Tensor));
      else if (feeds.latent_sample) decoderInput = readFloats(feeds.latent_sample as ort.Tensor);
      return run.call(this, feeds, ...rest);
    };
    const denoised: Float32Array[] = [];
    try {
      const request = GenerationRequest.parse({ model, prompt: 'a red star', seed: 9, steps: 2, sampler: 'ddim', width: 64, height: 64, outputDir: join(work, 'out') });
      const models = { experts: [], together: true, get: () => Promise.resolve({ model: loaded, loadMs: 0 }) };
      await generate(models, request, {}, { cacheDir: join(work, 'cache') }, { onStep: (p) => void denoised.push(p.denoised.slice()) });
    } finally {
      sessionClass.prototype.run = run;
      await loaded.release();
    }
    // Leading spacing at 2 steps: timesteps 501 and 1, then alphas_cumprod[0]'s sigma.
    const [sigma, end] = [sdSigma(1), sdSigma(0)];
    const latent = 4 * 8 * 8;
    const x = unetSamples.at(-1)!.subarray(0, latent).map((v) => v * Math.sqrt(sigma * sigma + 1));
    const d = denoised.at(-1)!;
    const expected = x.map((v, k) => (d[k]! + (end * (v - d[k]!)) / sigma) / Math.sqrt(1 + end * end) / 0.18215);
    const input = decoderInput as Float32Array | null;
    assert.ok(input && input.length === latent);
    expected.forEach((v, k) => assert.ok(Math.abs(input[k]! - v) < 1e-4 * (1 + Math.abs(v)), `latent ${k}: ${input[k]} vs ${v}`));
    assert.ok(Math.abs(1 / Math.sqrt(1 + end * end) - 1) > 1e-4, 'the scaling is not lost in the tolerance');
  });

  test("regional attention masks: a region prompt's tokens are masked outside its region, and the unconditional row's padding everywhere", async () => {
    const masks: { name: string; dims: readonly number[]; data: Float32Array }[] = [];
    const maskNames = new Set([1, 2, 4, 8].map(maskInput));
    sessionClass.prototype.run = function (feeds, ...rest) {
      for (const [name, tensor] of Object.entries(feeds)) if (maskNames.has(name)) masks.push({ name, dims: (tensor as ort.Tensor).dims, data: readFloats(tensor as ort.Tensor) });
      return run.call(this, feeds, ...rest);
    };
    const engine = new Engine({ platform: process.platform, version: 'test', cacheDir: join(work, 'cache') });
    await engine.run(
      {
        model,
        prompt: 'a red star',
        seed: 3,
        steps: 1,
        width: 64,
        height: 64,
        outputDir: join(work, 'out'),
        conditioning: { version: 1, regionalMode: 'attention-masks', regions: [{ id: 'ring', prompt: 'a blue ring', mask: { kind: 'rect', rect: { x: 0.5, y: 0, width: 0.5, height: 1 } } }] },
      },
      { previewIntervalMs: Infinity },
    );
    sessionClass.prototype.run = run;
    assert.ok(masks.length > 0, 'the biased UNet took attention masks');
    for (const { name, dims, data } of masks) {
      // [guidance rows (unconditional, conditional), queries (the layer's grid), tokens (prompt 77 + region prompt 77)].
      const [rows, queries, tokens] = dims as [number, number, number];
      assert.deepEqual([rows, tokens], [2, 154], name);
      const columns = Math.sqrt(queries);
      for (let q = 0; q < queries; q++) {
        const rightHalf = q % columns >= columns / 2;
        for (let t = 0; t < tokens; t++) {
          const [uncond, cond] = [data[q * tokens + t]!, data[(queries + q) * tokens + t]!];
          assert.equal(uncond, t < 77 ? 0 : -10000, `${name} unconditional q${q} t${t}`);
          assert.equal(cond, t < 77 || rightHalf ? 0 : -10000, `${name} conditional q${q} t${t}`);
        }
      }
    }
  });

  test('latent composition (MultiDiffusion): each region estimate weighted by its mask and strength, the background filling the rest, normalised', async () => {
    // The starter with a UNet whose output is sample + mean(context): every row's estimate is known by arithmetic
    // (the starter's encoder, as the fixtures' give every prompt a mean of ~1e-10, which would hide the weights).
    const folder = join(work, 'mean-context');
    cpSync(starter, folder, { recursive: true, filter: (path) => !path.startsWith(join(starter, 'training')) });
    writeFileSync(join(folder, 'unet', 'model.onnx'), meanContextUnet(48, 64));
    const loaded = await LoadedModel.load(folder, ['cpu']);
    try {
      const [h, w] = [16, 16];
      const rect = (x: number, y: number, width: number, height: number) => rectMask({ x, y, width, height }, w, h);
      const regional = [
        { id: 'left', prompt: 'a blue ring', mask: rect(0, 0, 0.5, 1), strength: 1 },
        { id: 'top', prompt: 'a green square', mask: rect(0, 0, 1, 0.5), strength: 2 },
      ];
      const prompts = await encodePrompts(loaded, 'a red star', '', true);
      const plan = { prompt: 'a red star', bindings: [], regional, layout: [], warnings: [] };
      const [sigma, scale] = [2.5, 6];
      const { denoise, method } = await spatialDenoiser({ model: loaded, prompts, plan, mode: 'latent-composition', pwwStrength: 0, guidanceScale: scale, size: { width: 64, height: 64 }, latent: [48, h, w], timestepOf: () => 500, cacheDir: join(work, 'cache') });
      assert.equal(method, 'latent-composition');
      const x = Float32Array.from({ length: 48 * h * w }, (_, i) => Math.cos(i) * 3);
      const result = await denoise(x, sigma);

      const mean = (values: Float32Array) => values.reduce((sum, v) => sum + v, 0) / values.length;
      const contextMean = async (text: string) => mean((await encodePromptTo(loaded, text, 1)).hidden);
      const [u, background, left, top] = [await contextMean(''), mean(prompts.cond.hidden), await contextMean('a blue ring'), await contextMean('a green square')];
      assert.ok(Math.min(Math.abs(left - top), Math.abs(left - background), Math.abs(top - background)) > 1e-4, 'the rows are told apart');
      // The starter predicts v (diffusers' rule): x0 = x / (sigma² + 1) − sigma / sqrt(sigma² + 1) · v, v = the guided output.
      const root = Math.sqrt(sigma * sigma + 1);
      const estimate = (k: number, c: number) => x[k]! / (sigma * sigma + 1) - (sigma / root) * (x[k]! / root + u + scale * (c - u));
      for (let k = 0; k < x.length; k++) {
        const [column, row] = [(k % (h * w)) % w, Math.floor((k % (h * w)) / w)];
        const [inLeft, inTop] = [column < w / 2 ? 1 : 0, row < h / 2 ? 1 : 0];
        const backgroundWeight = 1 - Math.min(1, inLeft + inTop) + 1e-4;
        const expected = (backgroundWeight * estimate(k, background) + inLeft * 1 * estimate(k, left) + inTop * 2 * estimate(k, top)) / (backgroundWeight + inLeft + 2 * inTop);
        assert.ok(Math.abs(result[k]! - expected) < 1e-4 * (1 + Math.abs(expected)), `value ${k} (column ${column}, row ${row}): ${result[k]} vs ${expected}`);
      }
    } finally {
      await loaded.release();
    }
  });

  test("prompt emphasis: (word:w) scales that word's positions by w, then the chunk's mean is restored (A1111's rule)", async () => {
    // The starter's text encoder: the fixtures' end in a LayerNorm without bias, whose outputs have a mean of ~1e-10, where a mean restore is noise.
    const loaded = await LoadedModel.load(starter, ['cpu']);
    try {
      const plain = (await encodePrompts(loaded, 'red star', '', false)).cond;
      const weighted = (await encodePrompts(loaded, '(red:1.5) star', '', false)).cond;
      // The same tokens either way: <start> red star <end> <pad>…; "red" is position 1.
      const { width } = plain;
      const weightOf = (position: number) => (position === 1 ? 1.5 : 1);
      const mean = (values: ArrayLike<number>) => Array.from(values).reduce((sum, v) => sum + v, 0) / values.length;
      const scaled = Array.from(plain.hidden, (v, i) => v * weightOf(Math.floor(i / width)));
      const restore = mean(plain.hidden) / mean(scaled);
      assert.ok(Math.abs(restore - 1) > 0.01, `the restore is not a no-op here (${restore})`);
      weighted.hidden.forEach((v, i) => assert.ok(Math.abs(v - scaled[i]! * restore) < 1e-4 * (1 + Math.abs(v)), `value ${i}: ${v} vs ${scaled[i]! * restore}`));
    } finally {
      await loaded.release();
    }
  });

  test("SDXL's penultimate layer is the second-highest hidden_states.N counted as a number: hidden_states.11 of 0-12 (as text sorts them, it would be 8)", async () => {
    const folder = join(work, 'twelve-layers');
    cpSync(model, folder, { recursive: true });
    writeFileSync(join(folder, 'text_encoder', 'model.onnx'), layerNumberingTextEncoder(12));
    const loaded = await LoadedModel.load(folder, ['cpu'], 'sdxl');
    try {
      const { cond } = await encodePrompts(loaded, 'red star', '', false);
      const startId = loaded.tokenizers[0]!.tokenizer.startId;
      assert.deepEqual([cond.width, cond.positions, cond.hidden[0]], [1, 77, startId * 11]);
    } finally {
      await loaded.release();
    }
    const last = await LoadedModel.load(folder, ['cpu'], 'sd1');
    try {
      assert.equal((await encodePrompts(last, 'red star', '', false)).cond.hidden[0], last.tokenizers[0]!.tokenizer.startId * 100, 'SD 1 reads last_hidden_state');
    } finally {
      await last.release();
    }
  });

  test("the shorter side is padded with empty chunks (<start> <end> <pad>...) to the longer one's length; SDXL's two encoders sit side by side at every position", async () => {
    const folder = join(work, 'numbered-sd1');
    cpSync(model, folder, { recursive: true });
    writeFileSync(join(folder, 'text_encoder', 'model.onnx'), layerNumberingTextEncoder(12));
    const long = Array.from({ length: 30 }, (_, i) => `blue ring ${i}`).join(', ');
    const sd1 = await LoadedModel.load(folder, ['cpu']);
    try {
      const { tokenizer, padId } = sd1.tokenizers[0]!;
      const { cond, uncond } = await encodePrompts(sd1, 'red star', long, true);
      assert.deepEqual([cond.positions, uncond!.positions], [154, 154]);
      // last_hidden_state is each id times 100, one value a position.
      assert.deepEqual([...cond.hidden.subarray(77, 80)], [tokenizer.startId * 100, tokenizer.endId * 100, padId * 100], 'the second chunk is empty');
      assert.deepEqual([...cond.hidden.subarray(0, 2)], [tokenizer.startId * 100, tokenizer.idOf('red</w>') * 100]);
      assert.equal(uncond!.hidden[1], tokenizer.idOf('blue</w>') * 100);
    } finally {
      await sd1.release();
    }
    const xl = join(work, 'numbered-sdxl');
    cpSync(join(fixtureModels, 'sdxl'), xl, { recursive: true });
    writeFileSync(join(xl, 'text_encoder', 'model.onnx'), layerNumberingTextEncoder(12));
    writeFileSync(join(xl, 'text_encoder_2', 'model.onnx'), layerNumberingTextEncoder(4));
    const sdxl = await LoadedModel.load(xl, ['cpu']);
    try {
      const { cond } = await encodePrompts(sdxl, 'red star', '', false);
      const [first, second] = sdxl.tokenizers.map((t) => t.tokenizer);
      // Penultimate layers: hidden_states.11 of the first (ids x 11), hidden_states.3 of the second (ids x 3).
      assert.deepEqual([cond.width, cond.positions], [2, 77]);
      assert.deepEqual([...cond.hidden.subarray(0, 4)], [first!.startId * 11, second!.startId * 3, first!.idOf('red</w>') * 11, second!.idOf('red</w>') * 3]);
    } finally {
      await sdxl.release();
    }
  });

  test("SDXL without a negative prompt: zero negative embeddings as diffusers' force_zeros_for_empty_prompt says (true by default, false as the refiner ships), never for SD 1", async () => {
    const zeros = async (folder: string, negative: string) => {
      const loaded = await LoadedModel.load(folder, ['cpu']);
      try {
        const { uncond } = await encodePrompts(loaded, 'a red star', negative, true);
        return [uncond!.hidden.every((v) => v === 0), uncond!.pooled?.every((v) => v === 0) ?? null];
      } finally {
        await loaded.release();
      }
    };
    const sdxl = join(fixtureModels, 'sdxl');
    const withFlag = (flag: boolean) => {
      const folder = join(work, `sdxl-${flag}`);
      cpSync(sdxl, folder, { recursive: true });
      const index = JSON.parse(readFileSync(join(folder, 'model_index.json'), 'utf8')) as Record<string, unknown>;
      writeFileSync(join(folder, 'model_index.json'), JSON.stringify({ ...index, force_zeros_for_empty_prompt: flag }));
      return folder;
    };
    assert.deepEqual(await zeros(sdxl, ''), [true, true], 'absent: diffusers defaults to true');
    assert.deepEqual(await zeros(withFlag(true), ''), [true, true]);
    assert.deepEqual(await zeros(withFlag(true), 'blurry'), [false, false], 'a negative prompt given is encoded');
    assert.deepEqual(await zeros(withFlag(false), ''), [false, false], 'false: "" is encoded');
    assert.deepEqual(await zeros(model, ''), [false, null], 'SD 1 has no such setting');
  });
});

describe('latent masks, by hand', () => {
  test("a rectangle covers each latent cell by the share of it inside, so its area is kept", () => {
    // x from 0.5 to 2.5 and y from 0.25 to 1.75 cells of a 4x2 grid.
    const { data } = rectMask({ x: 0.125, y: 0.125, width: 0.5, height: 0.75 }, 4, 2);
    assert.deepEqual([...data], [0.375, 0.75, 0.375, 0, 0.375, 0.75, 0.375, 0]);
    assert.equal(data.reduce((a, b) => a + b, 0), 4 * 2 * 0.5 * 0.75);
  });

  test('downsampling averages each block of cells, and a block cut by the edge over the cells it has', () => {
    const mask = { width: 3, height: 3, data: new Float32Array([1, 0, 1, 0, 0, 1, 1, 1, 0.5]) };
    assert.equal(downsample(mask, 1), mask);
    const half = downsample(mask, 2);
    assert.deepEqual([half.width, half.height], [2, 2]);
    // [1 0; 0 0] → 0.25; [1; 1] → 1; [1 1] → 1; [0.5] → 0.5.
    assert.deepEqual([...half.data], [0.25, 1, 1, 0.5]);
  });
});

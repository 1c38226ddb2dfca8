import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decode } from 'fast-png';
import * as ort from 'onnxruntime-node';
import type { GenerationRequest, SamplerName } from '../../app/contract/generation';
import { parseA1111Parameters } from '../../app/domain/generation-info';
import { Engine } from '../../main/engine/engine';
import { ModelError } from '../../main/engine/model/model-error';
import { LoadedModel } from '../../main/engine/model/loaded-model';
import { encodePrompts } from '../../main/engine/pipeline/text-conditioning';
import { checkSharedLatentSpace } from '../../main/engine/pipeline/ensemble';
import { readFloats } from '../../main/engine/onnx/tensors';
import { PWW_SCALE_INPUT } from '../../main/engine/graph/attention-bias';
import { meanContextUnet } from '../helpers/unet-graphs';
import { a1111Parameters } from '../../main/engine/output/parameters';
import { expertFirstSteps } from '../../main/engine/sampling/expert-steps';
import { dpmSolverTimesteps, spacedTimesteps } from '../../main/engine/sampling/schedules';
import { inspectModel } from '../../main/models/inspect-model';
import { fixtureModels } from '../helpers/backend';

/**
 * Ensembles of expert denoisers (eDiff-I; SDXL base + refiner). The split is
 * pinned against diffusers' rule worked by hand here; the runs use the real
 * sdxl and sdxl-refiner fixtures, whose UNets tell themselves apart by their
 * `time_ids` (six values for the base, five for the refiner).
 */
const work = mkdtempSync(join(tmpdir(), 'wordbrush-experts-'));
const base = join(fixtureModels, 'sdxl');
const refiner = join(fixtureModels, 'sdxl-refiner');
const plan = (timesteps: readonly number[], sigmas: readonly number[] = timesteps.map((_, i) => timesteps.length - i)) => ({ timesteps, sigmas: [...sigmas, 0] });

describe("the step each expert takes over at: diffusers' denoising_end / denoising_start", () => {
  test("diffusers' documented ensemble: 40 Euler steps, the refiner from 0.8, takes the last 8", () => {
    // EulerDiscrete, leading spacing, steps_offset 1 (SDXL's config): 976, 951, …, 1. The cut is round(1000 − 800) = 200.
    const timesteps = spacedTimesteps(40, 'leading', 1000, 1);
    assert.deepEqual([timesteps[0], timesteps[31], timesteps[32], timesteps.at(-1)], [976, 201, 176, 1]);
    assert.deepEqual(expertFirstSteps(plan(timesteps), [{ fraction: 0.8 }], 1000), [32]);
  });

  test('DPM-Solver++ with 25 steps: its own timesteps ((25 − i)·38 + 1) are cut at 200', () => {
    const timesteps = dpmSolverTimesteps(25, 'leading', 1000, 1);
    assert.deepEqual([timesteps[19], timesteps[20]], [229, 191]);
    assert.deepEqual(expertFirstSteps(plan(timesteps), [{ fraction: 0.8 }], 1000), [20]);
  });

  test("the cut is rounded as Python rounds (half to even): 0.7995 cuts at 200, not 201, so the step at 200 stays", () => {
    assert.deepEqual(expertFirstSteps(plan([800, 600, 400, 200, 0]), [{ fraction: 0.7995 }], 1000), [4]);
    assert.deepEqual(expertFirstSteps(plan([800, 600, 400, 200, 0]), [{ fraction: 0.7985 }], 1000), [3], '201.5 rounds to 202 either way');
  });

  test('a noise level cuts where the steps fall below it; three experts in order; a switch past the end takes no step', () => {
    const steps = plan([900, 700, 500, 300, 100], [10, 5, 2, 1, 0.5]);
    assert.deepEqual(expertFirstSteps(steps, [{ sigma: 2 }], 1000), [3], 'sigmas 10, 5 and 2 stay');
    assert.deepEqual(expertFirstSteps(steps, [{ fraction: 0.4 }, { fraction: 0.75 }], 1000), [2, 4]);
    assert.deepEqual(expertFirstSteps(steps, [{ fraction: 0.5 }, { fraction: 0.95 }], 1000), [3, 5]);
    assert.deepEqual(expertFirstSteps(steps, [{ sigma: 20 }], 1000), [0], 'above the first sigma: the expert takes every step');
    // A plan that ends above 0 (DDIM, DPM-Solver): a cut at its last sigma leaves the expert no step, not one past the end.
    assert.deepEqual(expertFirstSteps({ timesteps: [900, 700, 500, 300, 100], sigmas: [10, 5, 2, 1, 0.5, 0.3] }, [{ sigma: 0.3 }], 1000), [5]);
  });
});

// The class behind onnxruntime's session factory: its `run` is watched to see which UNet ran, at which timestep, with which time_ids.
type Run = (this: ort.InferenceSession, feeds: ort.InferenceSession.FeedsType, ...rest: unknown[]) => Promise<ort.InferenceSession.ReturnType>;
const sessionClass = ort.InferenceSession as unknown as { prototype: { run: Run } };
const realRun = sessionClass.prototype.run;
interface UnetCall {
  readonly unet: 'base' | 'refiner';
  readonly timestep: number;
  readonly timeIds: number[];
  /** The call went to the attention-biased UNet, with a paint-with-words scale. */
  readonly painted: boolean;
}
let calls: UnetCall[] = [];
sessionClass.prototype.run = function (feeds, ...rest) {
  const ids = feeds.time_ids as ort.Tensor | undefined;
  if (ids) {
    const timestep = feeds.timestep as ort.Tensor;
    calls.push({ unet: ids.dims[1] === 5 ? 'refiner' : 'base', timestep: Number(timestep.type === 'int64' ? (timestep.data as BigInt64Array)[0] : readFloats(timestep)[0]), timeIds: [...readFloats(ids)], painted: PWW_SCALE_INPUT in feeds });
  }
  return realRun.call(this, feeds, ...rest);
};

const request = (overrides: Partial<GenerationRequest> = {}): GenerationRequest => ({
  model: base,
  prompt: 'a lion jumping from a big stone at night',
  seed: 7,
  width: 64,
  height: 64,
  steps: 10,
  outputDir: join(work, 'out'),
  experts: [{ model: refiner, switchAt: { fraction: 0.8 } }],
  ...overrides,
});
const pixels = (path: string) => decode(readFileSync(path)).data;

describe('an ensemble run on the SDXL base and refiner fixtures', () => {
  const engine = new Engine({ platform: process.platform, version: 'test', cacheDir: join(work, 'cache') });
  // Loading fuses each UNet's attention once, checking it with runs of its own: done before anything is counted.
  before(() => engine.run(request()));
  after(async () => {
    sessionClass.prototype.run = realRun;
    await engine.release();
    rmSync(work, { recursive: true, force: true });
  });

  // Ten steps at 0.8 cut at timestep 200 for every sampler: Euler, Euler a and DDIM take 901, 801, …, 1; DPM++ 901, 811, …, 91; LCM 999, 899, …, 99.
  const timestepsOf: Record<SamplerName, number[]> = {
    euler: [901, 801, 701, 601, 501, 401, 301, 201, 101, 1],
    euler_ancestral: [901, 801, 701, 601, 501, 401, 301, 201, 101, 1],
    ddim: [901, 801, 701, 601, 501, 401, 301, 201, 101, 1],
    dpmpp_2m: [901, 811, 721, 631, 541, 451, 361, 271, 181, 91],
    lcm: [999, 899, 799, 699, 599, 499, 399, 299, 199, 99],
  };
  for (const [sampler, timesteps] of Object.entries(timestepsOf) as [SamplerName, number[]][]) {
    test(`${sampler}: the base takes the steps at or above timestep 200, the refiner the rest, each once`, async () => {
      calls = [];
      const result = await engine.run(request({ sampler }));
      const seen = (unet: UnetCall['unet']) => calls.filter((c) => c.unet === unet).map((c) => c.timestep);
      assert.deepEqual(seen('base'), timesteps.slice(0, 8));
      assert.deepEqual(seen('refiner'), timesteps.slice(8));
      assert.deepEqual(
        result.experts?.map((e) => [e.model, e.family, e.steps, e.stepMs.length]),
        [
          ['sdxl', 'sdxl', [0, 8], 8],
          ['sdxl-refiner', 'sdxl-refiner', [8, 10], 2],
        ],
      );
    });
  }

  test('progress counts on across the switch, with a preview at every step, the refiner loading mid-run said as loading', async () => {
    const sequential = new Engine({ platform: process.platform, version: 'test', cacheDir: join(work, 'cache'), ensembleFits: () => false });
    const seen: string[] = [];
    try {
      await sequential.run(request(), { previewIntervalMs: 0, onProgress: (p) => void seen.push(p.phase === 'sampling' ? `${p.step}/${p.steps}${p.preview ? '+' : ''}` : p.phase) });
    } finally {
      await sequential.release();
    }
    assert.deepEqual(seen, ['loading', 'preparing', ...[1, 2, 3, 4, 5, 6, 7, 8].map((s) => `${s}/10+`), 'loading', '9/10+', '10/10+']);
  });

  test("the base as its own expert: Euler's image is the base's alone (one latent throughout), DPM++ 2M's is not (its history starts again at the switch, as diffusers' second pipeline's does)", async () => {
    const same = (sampler: SamplerName) => request({ sampler, experts: [{ model: base, switchAt: { fraction: 0.5 } }] });
    const image = async (r: GenerationRequest) => pixels((await engine.run(r)).images[0]!.path);
    assert.deepEqual(await image(same('euler')), await image(request({ sampler: 'euler', experts: [] })));
    assert.notDeepEqual(await image(same('dpmpp_2m')), await image(request({ sampler: 'dpmpp_2m', experts: [] })));
  });

  test('paint-with-words reaches every expert whose UNet can be patched; one that cannot takes the regions its own way, and the result says so', async () => {
    const conditioning = { version: 1 as const, paintWithWordsStrength: 0.5, regions: [{ id: 'lion', phrase: 'lion', mask: { kind: 'rect' as const, rect: { x: 0, y: 0, width: 0.5, height: 1 } } }] };
    calls = [];
    const painted = await engine.run(request({ conditioning }));
    assert.equal(painted.spatialControl, 'attention');
    assert.deepEqual([...new Set(calls.map((c) => `${c.unet} ${c.painted}`))], ['base true', 'refiner true']);
    assert.ok(!painted.warnings.some((w) => w.includes('applied the regions')), painted.warnings.join('; '));
    // An SD 1 expert whose UNet has no cross-attention to patch (its output is the sample plus the context's mean).
    const flat = join(work, 'flat-expert');
    cpSync(join(fixtureModels, 'sd1-optimum'), flat, { recursive: true });
    rmSync(join(flat, 'unet'), { recursive: true });
    cpSync(join(fixtureModels, 'sd1-optimum', 'unet'), join(flat, 'unet'), { recursive: true, filter: (src) => !src.endsWith('model.onnx_data') });
    writeFileSync(join(flat, 'unet', 'model.onnx'), meanContextUnet(4, 32));
    const mixed = await engine.run(request({ model: join(fixtureModels, 'sd1-optimum'), conditioning, experts: [{ model: flat, switchAt: { fraction: 0.5 } }] }));
    assert.equal(mixed.spatialControl, 'attention');
    assert.ok(mixed.warnings.some((w) => /^flat-expert: applied the regions by latent-composition/.test(w)), mixed.warnings.join('; '));
  });

  test('three experts in order: the base, the refiner from 0.5, the base again from 0.8, one latent throughout', async () => {
    calls = [];
    const result = await engine.run(request({ sampler: 'euler', experts: [{ model: refiner, switchAt: { fraction: 0.5 } }, { model: base, switchAt: { fraction: 0.8 } }] }));
    // Euler's 901, 801, …, 1: at or above 500 the base, at or above 200 the refiner, then the base.
    assert.deepEqual(calls.map((c) => `${c.unet} ${c.timestep}`), ['base 901', 'base 801', 'base 701', 'base 601', 'base 501', 'refiner 401', 'refiner 301', 'refiner 201', 'base 101', 'base 1']);
    assert.deepEqual(result.experts?.map((e) => e.steps), [[0, 5], [5, 8], [8, 10]]);
  });

  test("the refiner's time_ids: original size, crop, then the aesthetic score (6, and 2.5 on the unconditional row) or the ones asked for", async () => {
    calls = [];
    await engine.run(request({ steps: 5, width: 128, height: 64 }));
    const refinerCall = calls.find((c) => c.unet === 'refiner')!;
    assert.deepEqual(refinerCall.timeIds, [64, 128, 0, 0, 2.5, 64, 128, 0, 0, 6], 'height first; the unconditional row first');
    assert.deepEqual(calls.find((c) => c.unet === 'base')!.timeIds, [64, 128, 0, 0, 64, 128, 64, 128, 0, 0, 64, 128], "the base keeps SDXL's target size");
    calls = [];
    await engine.run(request({ steps: 5, aesthetic: { positive: 7.5, negative: 1 } }));
    assert.deepEqual(calls.find((c) => c.unet === 'refiner')!.timeIds, [64, 64, 0, 0, 1, 64, 64, 0, 0, 7.5]);
  });

  test('held together or one at a time, the images are the same; one at a time, every image runs the base before the refiner loads', async () => {
    calls = [];
    const together = await engine.run(request({ batchCount: 2 }));
    const interleaved = calls.map((c) => c.unet);
    const sequential = new Engine({ platform: process.platform, version: 'test', cacheDir: join(work, 'cache'), ensembleFits: () => false });
    calls = [];
    const apart = await sequential.run(request({ batchCount: 2 }));
    const batched = calls.map((c) => c.unet);
    try {
      const runOf = (unet: string, n: number) => new Array<string>(n).fill(unet);
      assert.deepEqual(interleaved, [...runOf('base', 8), ...runOf('refiner', 2), ...runOf('base', 8), ...runOf('refiner', 2)]);
      assert.deepEqual(batched, [...runOf('base', 16), ...runOf('refiner', 4)]);
      for (const i of [0, 1]) assert.deepEqual(pixels(apart.images[i]!.path), pixels(together.images[i]!.path), `image ${i}`);
      assert.equal((await sequential.loadedModel())?.folder.name, 'sdxl-refiner', 'the base was released before the refiner loaded');
      assert.ok(apart.experts![1]!.loadMs > 0, "the refiner's load is timed");
    } finally {
      await sequential.release();
    }
  });

  test('the refiner changes the image; a switch past the last step leaves it to the base, and says so', async () => {
    const ensemble = await engine.run(request());
    const alone = await engine.run(request({ experts: [] }));
    assert.notDeepEqual(pixels(ensemble.images[0]!.path), pixels(alone.images[0]!.path));
    const late = await engine.run(request({ experts: [{ model: refiner, switchAt: { fraction: 0.995 } }] }));
    assert.deepEqual(pixels(late.images[0]!.path), pixels(alone.images[0]!.path));
    assert.deepEqual(late.experts?.[1]?.steps, [10, 10]);
    assert.ok(late.warnings.some((w) => /sdxl-refiner took no steps/.test(w)), late.warnings.join('; '));
  });

  test("the PNG says Refiner and Refiner switch at as A1111 writes them; the sidecar keeps the experts", async () => {
    const result = await engine.run(request());
    const png = decode(readFileSync(result.images[0]!.path));
    assert.match(png.text.parameters ?? '', /Model: sdxl, Refiner: sdxl-refiner, Refiner switch at: 0\.8$/);
    const sidecar = JSON.parse(readFileSync(result.images[0]!.sidecar, 'utf8')) as { request: GenerationRequest; run: { experts: unknown[] } };
    assert.deepEqual(sidecar.request.experts, [{ model: refiner, switchAt: { fraction: 0.8 } }]);
    assert.equal(sidecar.run.experts.length, 2);
  });

  test('experts that cannot share a latent are refused before anything loads, naming both models', async () => {
    const fresh = new Engine({ platform: process.platform, version: 'test', cacheDir: join(work, 'cache') });
    const refused = (model: string, expert: string) => fresh.run(request({ model: join(fixtureModels, model), experts: [{ model: join(fixtureModels, expert), switchAt: { fraction: 0.5 } }] }));
    await assert.rejects(refused('sd1-optimum', 'sdxl-refiner'), (e: unknown) => e instanceof ModelError && e.code === 'incompatible-experts' && /sdxl-refiner cannot continue sd1-optimum's image: its VAE scales latents by 0\.13025, sd1-optimum's by 0\.18215/.test(e.message));
    await assert.rejects(refused('sd1-optimum', 'f4c8'), (e: unknown) => e instanceof ModelError && /f4c8 cannot continue sd1-optimum's image: it works in 8 latent channels at 1\/4 of the image, sd1-optimum in 4 latent channels at 1\/8/.test(e.message));
    assert.equal(await fresh.loadedModel(), null);
  });

  test('a shared latent needs the same channels, the same VAE factor and the same scaling (within 1e-6, or unknown), each alone enough to refuse', () => {
    const space = (name: string, channels: number, factor: number, scaling: number | null) => ({ name, latent: { channels, factor }, scaling });
    const sd = space('sd', 4, 8, 0.18215);
    assert.doesNotThrow(() => checkSharedLatentSpace(sd, space('twin', 4, 8, 0.18215 + 5e-7)));
    assert.doesNotThrow(() => checkSharedLatentSpace(sd, space('unsaid', 4, 8, null)));
    assert.doesNotThrow(() => checkSharedLatentSpace(space('unsaid', 4, 8, null), sd));
    assert.throws(() => checkSharedLatentSpace(sd, space('wide', 16, 8, 0.18215)), /^ModelError: wide cannot continue sd's image: it works in 16 latent channels at 1\/8 of the image, sd in 4 latent channels at 1\/8 of the image$/);
    assert.throws(() => checkSharedLatentSpace(sd, space('fine', 4, 4, 0.18215)), /^ModelError: fine cannot continue sd's image: it works in 4 latent channels at 1\/4 of the image, sd in 4 latent channels at 1\/8 of the image$/);
    assert.throws(() => checkSharedLatentSpace(sd, space('xl', 4, 8, 0.18215 + 2e-6)), /^ModelError: xl cannot continue sd's image: its VAE scales latents by 0\.182152, sd's by 0\.18215 \(they come from different model families\)$/);
  });

  test("the refiner's prompt: text_encoder_2's penultimate hidden states and its projected pooled embedding, as diffusers' SDXL pipelines take them", async () => {
    const loaded = await LoadedModel.load(refiner, ['cpu']);
    try {
      const { cond } = await encodePrompts(loaded, 'a red fox', '', false);
      const ids = loaded.tokenizers[0]!.tokenizer.encode('a red fox');
      const padded = [...ids, ...new Array<number>(77 - ids.length).fill(loaded.tokenizers[0]!.padId)];
      const session = await ort.InferenceSession.create(join(refiner, 'text_encoder_2', 'model.onnx'));
      const out = await session.run({ input_ids: new ort.Tensor('int64', BigInt64Array.from(padded.map(BigInt)), [1, 77]) });
      assert.deepEqual([...cond.hidden], [...readFloats(out['hidden_states.1']!)], 'the penultimate of hidden_states.0..2');
      assert.deepEqual([...cond.pooled!], [...readFloats(out.text_embeds!)]);
      await session.release();
    } finally {
      await loaded.release();
    }
  });

  test('the refiner alone: detected as its own family from its files, and runs img2img', async () => {
    assert.deepEqual(await inspectModel(refiner), { detectedFamily: 'sdxl-refiner', problem: null, nativeSize: { width: 1024, height: 1024 } });
    const start = await engine.run(request({ experts: [], steps: 2 }));
    const refined = await engine.run({ ...request({ model: refiner, experts: [] }), init: { image: start.images[0]!.path, strength: 0.3 } });
    assert.equal(refined.family, 'sdxl-refiner');
    assert.deepEqual(Object.keys(refined.providers).sort(), ['text_encoder_2', 'unet', 'vae_decoder', 'vae_encoder']);
  });
});

describe("A1111's refiner fields", () => {
  test('written after the model and read back, the hash A1111 adds to a name dropped', () => {
    const text = a1111Parameters({ prompt: 'p', negativePrompt: '', steps: 40, sampler: 'euler', schedule: 'spaced', cfgScale: 7, seed: 1, width: 1024, height: 1024, model: 'sdxl-base', experts: [{ model: 'sdxl-base', switchAt: null }, { model: 'sdxl-refiner', switchAt: { fraction: 0.8 } }] });
    assert.match(text, /Model: sdxl-base, Refiner: sdxl-refiner, Refiner switch at: 0\.8$/);
    assert.deepEqual([parseA1111Parameters(text).refiner, parseA1111Parameters(text).refinerSwitchAt], ['sdxl-refiner', 0.8]);
    const a1111 = parseA1111Parameters('a lion\nSteps: 40, Sampler: DPM++ 2M, CFG scale: 7, Seed: 1, Size: 1024x1024, Model: sd_xl_base_1.0, Refiner: sd_xl_refiner_1.0 [7440042bbd], Refiner switch at: 0.8, Version: v1.10.1');
    assert.deepEqual([a1111.refiner, a1111.refinerSwitchAt], ['sd_xl_refiner_1.0', 0.8]);
  });
});

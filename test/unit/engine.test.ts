import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { decode } from 'fast-png';
import type { GenerationRequest } from '../../app/contract/generation';
import { Engine } from '../../main/engine/engine';
import type { LoadedModel } from '../../main/engine/model/loaded-model';
import { FAMILIES } from '../../main/engine/model/family';
import { resolveSettings } from '../../main/engine/pipeline/generate';
import { ModelError } from '../../main/engine/model/model-error';
import { ImageError } from '../../main/images/image-error';
import { makeTensor } from '../../main/engine/onnx/tensors';
import { readPngText } from '../../main/images/png';
import { fixtureModels } from '../helpers/backend';
import { writeTestPng } from '../helpers/images';
import { builtPaths } from '../helpers/paths';

// Real onnxruntime sessions on the fixture models (models/scripts/make_fixtures.py): tiny random
// weights, so the images are noise, but every code path of a real export runs.
const engine = new Engine({ platform: process.platform, version: '0.0.0-test', cacheDir: builtPaths.inference.cacheDir });
const work = mkdtempSync(join(tmpdir(), 'wordbrush-engine-'));
const request = (model: string, overrides: Partial<GenerationRequest> = {}): GenerationRequest => ({
  model: join(fixtureModels, model),
  prompt: 'a large red star to the left of a small blue ring',
  seed: 1234,
  width: 64,
  height: 64,
  steps: 3,
  outputDir: join(work, 'out'),
  ...overrides,
});
const pixels = (path: string) => decode(readFileSync(path)).data as Uint8Array;
const isModelError = (code: string) => (e: unknown) => e instanceof ModelError && e.code === code;

describe('engine on every fixture layout', () => {
  const cases: [string, string, Record<string, string>][] = [
    ['sd1-conversion', 'sd1', { unet: 'cpu', text_encoder: 'cpu', vae_decoder: 'cpu' }],
    ['sd1-optimum', 'sd1', { unet: 'cpu', text_encoder: 'cpu', vae_decoder: 'cpu' }],
    ['sd1-fp16', 'sd1', { unet: 'cpu', text_encoder: 'cpu', vae_decoder: 'cpu' }],
    ['sd2-v', 'sd2', { unet: 'cpu', text_encoder: 'cpu', vae_decoder: 'cpu' }],
    ['sdxl', 'sdxl', { unet: 'cpu', text_encoder: 'cpu', text_encoder_2: 'cpu', vae_decoder: 'cpu' }],
    ['f4c8', 'sd1', { unet: 'cpu', text_encoder: 'cpu', vae_decoder: 'cpu' }],
  ];
  for (const [model, family, providers] of cases) {
    test(`${model}: detected as ${family}, generates the same bytes for the same seed and others for another`, async () => {
      const first = await engine.run(request(model));
      const again = await engine.run(request(model));
      const other = await engine.run(request(model, { seed: 1235 }));
      assert.equal(first.family, family);
      assert.deepEqual(first.providers, providers);
      const [a, b, c] = [first, again, other].map((r) => r.images[0]!);
      assert.deepEqual([a!.width, a!.height], [64, 64]);
      assert.deepEqual(pixels(a!.path), pixels(b!.path));
      assert.notDeepEqual(pixels(a!.path), pixels(c!.path));
    });
  }

  test('every sampler runs; on the same sigmas deterministic DDIM is Euler in sigma space, the others differ', async () => {
    const images: Record<string, string> = {};
    for (const sampler of ['euler', 'euler_ancestral', 'ddim', 'dpmpp_2m', 'lcm'] as const) {
      const result = await engine.run(request('sd1-optimum', { sampler, schedule: 'karras' }));
      assert.equal(result.settings.sampler, sampler);
      images[sampler] = Buffer.from(pixels(result.images[0]!.path)).toString('base64');
    }
    assert.equal(images.ddim, images.euler);
    assert.equal(new Set(Object.values(images)).size, 4);
  });

  test("by default a sampler follows the model's scheduler config as diffusers does: DDIM stops at alphas_cumprod[0] (set_alpha_to_one false)", async () => {
    const run = async (sampler: 'euler' | 'ddim') => pixels((await engine.run(request('sd1-optimum', { sampler }))).images[0]!.path);
    const [euler, ddim] = [await run('euler'), await run('ddim')];
    // Same spaced sigmas but for the last one: the images are close, not equal.
    assert.notDeepEqual(ddim, euler);
    const meanDifference = ddim.reduce((sum, v, i) => sum + Math.abs(v - euler[i]!), 0) / ddim.length;
    assert.ok(meanDifference < 8, `DDIM and Euler differ by ${meanDifference} per channel on average`);
    const defaults = await engine.run(request('sd1-optimum', {}));
    assert.equal(defaults.settings.schedule, 'spaced');
  });

  test('a batch uses seed, seed+1, … (past 2^32 - 1, 0) and matches single runs of those seeds', async () => {
    const batch = await engine.run(request('sd1-conversion', { batchCount: 2 }));
    assert.deepEqual(batch.images.map((i) => i.seed), [1234, 1235]);
    const single = await engine.run(request('sd1-conversion', { seed: 1235 }));
    assert.deepEqual(pixels(batch.images[1]!.path), pixels(single.images[0]!.path));
    // Seeds are 32-bit: the one after the last wraps to 0.
    const wrapped = await engine.run(request('sd1-conversion', { seed: 0xffffffff, batchCount: 2 }));
    assert.deepEqual(wrapped.images.map((i) => i.seed), [0xffffffff, 0]);
    const zero = await engine.run(request('sd1-conversion', { seed: 0 }));
    assert.deepEqual(pixels(wrapped.images[1]!.path), pixels(zero.images[0]!.path));
  });

  test('the family can be overridden (a guidance-free family skips CFG and says so)', async () => {
    const result = await engine.run(request('sd1-conversion', { family: 'sd-turbo', cfgScale: 7, steps: 1 }));
    assert.equal(result.family, 'sd-turbo');
    assert.match(result.warnings.join(), /guidance-distilled/);
  });
});

describe('the settings a request leaves open', () => {
  // resolveSettings reads the family's defaults and the export's sample size, nothing else of the model.
  const modelOf = (sampleSize: number | null, factor = 8) => ({ family: FAMILIES.sd2, folder: { sampleSize, latent: { factor } } }) as unknown as LoadedModel;

  test("come from the family's defaults, the size from unet/config.json's sample_size times the VAE's factor where the export says", () => {
    assert.deepEqual(resolveSettings(modelOf(null), {}), { steps: 25, sampler: 'dpmpp_2m', schedule: 'spaced', cfgScale: 7, width: 768, height: 768 });
    assert.deepEqual(resolveSettings(modelOf(16, 4), {}), { steps: 25, sampler: 'dpmpp_2m', schedule: 'spaced', cfgScale: 7, width: 64, height: 64 });
    const asked = { steps: 9, sampler: 'euler', schedule: 'karras', cfgScale: 3.5, width: 320, height: 192 } as const;
    assert.deepEqual(resolveSettings(modelOf(16, 4), asked), asked);
  });

  test("LCM takes its own timesteps: a schedule asked for does not apply", () => {
    assert.equal(resolveSettings(modelOf(null), { sampler: 'lcm', schedule: 'karras' }).schedule, 'spaced');
    assert.equal(resolveSettings({ ...modelOf(null), family: FAMILIES.lcm } as unknown as LoadedModel, { schedule: 'karras' }).schedule, 'spaced', "the family's default sampler");
  });
});

describe('img2img and inpainting', () => {
  const init = writeTestPng(join(work, 'init.png'), 64, 64, (x) => (x < 32 ? [220, 30, 30] : [30, 30, 220]));
  const black = writeTestPng(join(work, 'black.png'), 64, 64, () => [0, 0, 0]);
  const white = writeTestPng(join(work, 'white.png'), 64, 64, () => [255, 255, 255]);

  for (const model of ['sd1-conversion', 'sd1-optimum', 'sd1-fp16', 'f4c8']) {
    test(`${model}: strength changes how far the result departs from the init image`, async () => {
      const light = await engine.run(request(model, { steps: 10, init: { image: init, strength: 0.2 } }));
      const heavy = await engine.run(request(model, { steps: 10, init: { image: init, strength: 1 } }));
      const distance = (a: Uint8Array, b: Uint8Array) => a.reduce((sum, v, i) => sum + Math.abs(v - b[i]!), 0);
      // The fixtures' VAEs are random, so the init image as the model sees it is the init through its VAE (a black mask keeps exactly that).
      const kept = pixels((await engine.run(request(model, { steps: 10, init: { image: init, strength: 0.5 }, mask: black }))).images[0]!.path);
      const lightDistance = distance(pixels(light.images[0]!.path), kept);
      const heavyDistance = distance(pixels(heavy.images[0]!.path), kept);
      assert.ok(lightDistance < heavyDistance, `strength 0.2 departs by ${lightDistance}, strength 1 by ${heavyDistance}`);
    });
  }

  test('a white mask repaints everything: the same as img2img without a mask', async () => {
    const plain = await engine.run(request('sd1-optimum', { init: { image: init, strength: 0.6 } }));
    const masked = await engine.run(request('sd1-optimum', { init: { image: init, strength: 0.6 }, mask: white }));
    assert.deepEqual(pixels(masked.images[0]!.path), pixels(plain.images[0]!.path));
  });

  test('a black mask keeps everything: the init image through the VAE, whatever the seed', async () => {
    const a = await engine.run(request('sd1-optimum', { init: { image: init, strength: 0.8 }, mask: black }));
    const b = await engine.run(request('sd1-optimum', { init: { image: init, strength: 0.8 }, mask: black, seed: 99 }));
    assert.deepEqual(pixels(a.images[0]!.path), pixels(b.images[0]!.path));
  });

  test('a VAE that scales by 4 into 8 channels is read from its configs: native size, latents, inpainting mask', async () => {
    const result = await engine.run(request('f4c8', { width: undefined, height: undefined }));
    // unet/config.json's sample_size 16 at the VAE's factor 4 (2 ** (3 blocks - 1)).
    assert.deepEqual([result.settings.width, result.settings.height], [64, 64]);
    const wide = await engine.run(request('f4c8', { width: 96, height: 64 }));
    assert.deepEqual([wide.images[0]!.width, wide.images[0]!.height], [96, 64]);
    // A black mask keeps the init image (through the VAE) at every one of the 16x16 latent pixels.
    const a = await engine.run(request('f4c8', { init: { image: init, strength: 0.8 }, mask: black }));
    const b = await engine.run(request('f4c8', { init: { image: init, strength: 0.8 }, mask: black, seed: 99 }));
    assert.deepEqual(pixels(a.images[0]!.path), pixels(b.images[0]!.path));
  });

  test('a model without vae_encoder says img2img is unavailable', async () => {
    await assert.rejects(engine.run(request('sd1-static', { init: { image: init, strength: 0.5 } })), (e: unknown) => isModelError('img2img-unavailable')(e) && (e as Error).message === 'sd1-static has no vae_encoder, so img2img and inpainting are unavailable with it');
  });

  test('an init image that is not a PNG is an invalid-image error', async () => {
    await assert.rejects(engine.run(request('sd1-optimum', { init: { image: join(fixtureModels, 'sd1-optimum', 'model_index.json'), strength: 0.5 } })), (e: unknown) => e instanceof ImageError && e.code === 'invalid-image');
  });
});

describe('static exports and bad folders', () => {
  test('an image bomb is refused from its header, before it is inflated: init images, masks and painted masks', async () => {
    // A PNG header claiming 20000x20000 RGB (1.2 GB decoded) with a few bytes of data after it.
    const header = Buffer.alloc(33);
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(header);
    header.writeUInt32BE(13, 8);
    header.write('IHDR', 12, 'latin1');
    header.writeUInt32BE(20000, 16);
    header.writeUInt32BE(20000, 20);
    header.set([8, 2, 0, 0, 0], 24);
    const folder = mkdtempSync(join(tmpdir(), 'wordbrush-bomb-'));
    const bomb = join(folder, 'bomb.png');
    const init = writeTestPng(join(folder, 'init.png'), 64, 64, () => [120, 120, 120]);
    writeFileSync(bomb, Buffer.concat([header, Buffer.alloc(48 * 1024)]));
    const tooLarge = (e: unknown) => e instanceof ImageError && e.code === 'image-too-large' && /20000x20000 pixels; images up to 8192 pixels a side/.test(e.message);
    await assert.rejects(engine.run(request('sd1-optimum', { init: { image: bomb, strength: 0.5 } })), tooLarge);
    await assert.rejects(engine.run(request('sd1-optimum', { init: { image: init, strength: 0.5 }, mask: bomb })), tooLarge);
    const painted = { version: 1 as const, regions: [{ id: 'r', phrase: 'star', mask: { kind: 'image' as const, png: `data:image/png;base64,${readFileSync(bomb).toString('base64')}` } }] };
    await assert.rejects(engine.run(request('sd1-optimum', { conditioning: painted })), tooLarge);
  });

  test('a static-shape UNet runs at its size and names the size it needs otherwise', async () => {
    const result = await engine.run(request('sd1-static'));
    assert.equal(result.images.length, 1);
    await assert.rejects(engine.run(request('sd1-static', { width: 128, height: 128 })), (e: unknown) => e instanceof ModelError && e.code === 'size-not-supported' && /64x64 pixels/.test(e.message));
  });

  test('a folder that is not a model is a not-a-model error', async () => {
    await assert.rejects(engine.run(request('../probe')), isModelError('not-a-model'));
  });

  test('a run whose weights and activations cannot fit in memory is refused before it runs, naming what it needs and what fits', async () => {
    await assert.rejects(
      engine.run(request('sd1-optimum', { width: 4096, height: 4096 })),
      (e: unknown) => e instanceof ModelError && e.code === 'size-not-supported' && /^4096x4096 needs about [\d.]+ GB \([\d.]+ [kMG]?B of weights, [\d.]+ GB for the run at this size\), more than the [\d.]+ GB of memory this machine has; sizes up to about \d+x\d+ fit$/.test(e.message),
    );
    // The estimate's terms by hand: memory-estimate.test.ts.
  });

  test("a size that is not a multiple of the VAE's factor is refused in pixels (a factor-16 VAE at 72x72)", async () => {
    const folder = join(work, 'factor-16');
    cpSync(join(fixtureModels, 'sd1-optimum'), folder, { recursive: true });
    const config = join(folder, 'vae_decoder', 'config.json');
    writeFileSync(config, JSON.stringify({ ...JSON.parse(readFileSync(config, 'utf8')), block_out_channels: [8, 8, 8, 8, 8] }));
    await assert.rejects(engine.run({ ...request('sd1-optimum', { width: 72, height: 80 }), model: folder }), (e: unknown) => e instanceof ModelError && e.code === 'size-not-supported' && e.message === 'factor-16 works in multiples of 16 pixels; 72x80 is not one');
    await assert.rejects(engine.run({ ...request('sd1-optimum', { width: 80, height: 72 }), model: folder }), (e: unknown) => e instanceof ModelError && e.message === 'factor-16 works in multiples of 16 pixels; 80x72 is not one');
  });

  test('an output folder that cannot be written is said before the model loads', async () => {
    const blocked = join(mkdtempSync(join(tmpdir(), 'wordbrush-blocked-')), 'a-file');
    writeFileSync(blocked, 'in the way');
    const fresh = new Engine({ platform: process.platform, version: '0.0.0-test', cacheDir: builtPaths.inference.cacheDir });
    await assert.rejects(fresh.run({ ...request('sd1-optimum'), outputDir: join(blocked, 'gallery') }), (e: unknown) => e instanceof ModelError && e.code === 'unwritable-output' && /Results cannot be written to .*a-file\/gallery \(ENOTDIR\)/.test(e.message));
    assert.equal(await fresh.loadedModel(), null, 'nothing was loaded for a run that could not be kept');
  });

  test('a tokenizer that cannot be read is a model error naming its folder, not a handler failure', async () => {
    const folder = join(mkdtempSync(join(tmpdir(), 'wordbrush-tokenizer-')), 'model');
    cpSync(join(fixtureModels, 'sd1-optimum'), folder, { recursive: true });
    writeFileSync(join(folder, 'tokenizer', 'vocab.json'), '{ "not": ');
    await assert.rejects(engine.run({ ...request('sd1-optimum'), model: folder }), (e: unknown) => e instanceof ModelError && e.code === 'unreadable-part' && e.message.includes(join(folder, 'tokenizer')));
  });
});

describe('prompts', () => {
  test('a prompt longer than 77 tokens is encoded in chunks, not cut', async () => {
    const long = Array.from({ length: 60 }, (_, i) => `red star ${i}`).join(', ');
    const short = await engine.run(request('sd1-optimum', { prompt: long.slice(0, 200) }));
    const full = await engine.run(request('sd1-optimum', { prompt: long }));
    assert.deepEqual(full.warnings, []);
    assert.notDeepEqual(pixels(full.images[0]!.path), pixels(short.images[0]!.path));
  });

  test('a UNet with a fixed 77-token context gets the first chunk and a warning naming both lengths; one chunk fits', async () => {
    const long = Array.from({ length: 60 }, (_, i) => `red star ${i}`).join(', ');
    const result = await engine.run(request('sd1-static', { prompt: long }));
    // 60 times four tokens in chunks of 75 broken at commas: four chunks, the first one kept.
    assert.deepEqual(result.warnings, ['The prompt needs 300 tokens but this UNet was exported for 75; the rest was cut off']);
    const twice = await engine.run(request('sd1-static', { prompt: long.slice(0, 400) }));
    assert.match(twice.warnings.join(), /^The prompt needs 150 tokens but this UNet was exported for 75; the rest was cut off$/);
    const once = await engine.run(request('sd1-static', { prompt: long.slice(0, 200) }));
    assert.deepEqual(once.warnings, [], 'one chunk fits the context');
  });

  test('weights change the result', async () => {
    const plain = await engine.run(request('sd1-optimum', { prompt: 'a red star' }));
    const weighted = await engine.run(request('sd1-optimum', { prompt: 'a (red:1.5) star' }));
    assert.notDeepEqual(pixels(plain.images[0]!.path), pixels(weighted.images[0]!.path));
  });
});

describe('progress, cancel and outputs', () => {
  test('reports every step with a preview, and embeds A1111 parameters and a sidecar', async () => {
    const steps: number[] = [];
    const phases: string[] = [];
    const result = await engine.run(request('sd1-conversion', { steps: 4, negativePrompt: 'blurry', cfgScale: 5 }), {
      previewIntervalMs: 0,
      onProgress: (p) => {
        if (phases.at(-1) !== p.phase) phases.push(p.phase);
        if (p.phase !== 'sampling') return;
        steps.push(p.step);
        assert.match(p.preview ?? '', /^data:image\/png;base64,/);
      },
    });
    assert.deepEqual(phases, ['loading', 'preparing', 'sampling'], 'loading and preparing are told before the steps');
    assert.deepEqual(steps, [1, 2, 3, 4]);
    const png = readFileSync(result.images[0]!.path);
    // fast-png (an independent decoder) reads the tEXt chunk.
    assert.equal(
      decode(png).text.parameters,
      'a large red star to the left of a small blue ring\nNegative prompt: blurry\nSteps: 4, Sampler: DPM++ 2M, CFG scale: 5, Seed: 1234, Size: 64x64, Model: sd1-conversion',
    );
    const sidecar = JSON.parse(readFileSync(result.images[0]!.sidecar, 'utf8')) as { request: GenerationRequest; family: string };
    assert.equal(sidecar.request.prompt, 'a large red star to the left of a small blue ring');
    assert.equal(sidecar.family, 'sd1');
  });

  test('previews are throttled: the first step has one, a fast run no more', async () => {
    const previews: boolean[] = [];
    await engine.run(request('sd1-conversion', { steps: 6 }), { previewIntervalMs: 60_000, onProgress: (p) => void (p.phase === 'sampling' && previews.push(p.preview !== undefined)) });
    assert.deepEqual(previews, [true, false, false, false, false, false]);
  });

  test('a Unicode prompt is stored as UTF-8 (iTXt)', async () => {
    const result = await engine.run(request('sd1-conversion', { prompt: '富士山 at dawn, café' }));
    assert.match(readPngText(readFileSync(result.images[0]!.path)).parameters ?? '', /^富士山 at dawn, café\n/);
  });

  test('cancelling stops within one step and the engine takes the next request', async () => {
    const controller = new AbortController();
    let seen = 0;
    await assert.rejects(
      engine.run(request('sd1-conversion', { steps: 20 }), {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.phase !== 'sampling') return;
          seen++;
          if (seen === 2) controller.abort();
        },
      }),
      { name: 'AbortError' },
    );
    assert.equal(seen, 2);
    const next = await engine.run(request('sd1-conversion'));
    assert.equal(next.images.length, 1);
  });

  test('when memory is tight the model is released after the run', async () => {
    const frugal = new Engine({ platform: process.platform, version: '0.0.0-test', cacheDir: builtPaths.inference.cacheDir, memoryTight: () => true });
    await frugal.run(request('sd1-conversion'));
    assert.equal(await frugal.loadedModel(), null);
  });

  test('switching models releases the previous one', async () => {
    await engine.run(request('sd1-conversion'));
    const previous = await engine.loadedModel();
    // A valid run on the loaded decoder works, so the rejection below can only come from the release.
    const decode = () => previous!.vaeDecoder.session.run({ latent_sample: makeTensor('float32', new Float32Array(4 * 8 * 8), [1, 4, 8, 8]) });
    assert.ok((await decode()).sample);
    await engine.run(request('sd1-optimum'));
    assert.notEqual(await engine.loadedModel(), previous);
    await assert.rejects(decode(), /released|disposed|invalid/i);
  });
});

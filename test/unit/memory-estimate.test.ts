import assert from 'node:assert/strict';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { FamilyId } from '../../app/contract/generation';
import { LoadedModel } from '../../main/engine/model/loaded-model';
import { ModelError } from '../../main/engine/model/model-error';
import { formatBytes } from '../../app/domain/units';
import { attentionBytes, availableFor, checkFitsInMemory, checkModelFits, estimateRunBytes, largestSquareThatFits, type MemoryCheck } from '../../main/engine/pipeline/memory-estimate';
import { fixtureModels } from '../helpers/backend';

/**
 * The memory estimate (issue #22, item 4) computed by hand: each family's first self-attention, each
 * term of a run's peak, the largest square that fits at its exact edge, and the refusal's words.
 */
const GiB = 2 ** 30;

describe('the memory a run needs', () => {
  test("the largest attention score tensor: batch x heads x tokens^2 at each family's first self-attention, tokens rounded up", () => {
    // A 514x256 image is 64.25x32 latent pixels at factor 8 (65x32 tokens), 32.125x16 at SDXL's half size (33x16).
    const expected: Record<FamilyId, number> = {
      sd1: 8 * (65 * 32) ** 2,
      lcm: 8 * (65 * 32) ** 2,
      sd2: 5 * (65 * 32) ** 2,
      'sd-turbo': 5 * (65 * 32) ** 2,
      sdxl: 10 * (33 * 16) ** 2,
      'sdxl-turbo': 10 * (33 * 16) ** 2,
      'sdxl-refiner': 12 * (33 * 16) ** 2,
    };
    for (const [family, elements] of Object.entries(expected) as [FamilyId, number][]) {
      assert.equal(attentionBytes({ family, width: 514, height: 256, batch: 3, bytesPerElement: 2 }), 3 * elements * 2, family);
    }
    // A VAE that scales by 4: 130x64 pixels are 32.5x16 latent pixels, 33x16 tokens.
    assert.equal(attentionBytes({ family: 'sd1', width: 130, height: 64, batch: 1, bytesPerElement: 4, vaeFactor: 4 }), 8 * (33 * 16) ** 2 * 4);
  });

  test('a run holds 6.8 copies of the attention scores, 1500 skip channels a latent pixel and four 128-channel tensors at full size, rounded to a byte', () => {
    // 8x8 pixels are one latent pixel for SD 1.x: attention 1·8·1·2 = 16 bytes, 6.8 of them 108.8.
    const one = estimateRunBytes({ family: 'sd1', width: 8, height: 8, batch: 1, bytesPerElement: 2, weightsBytes: 123 });
    assert.deepEqual(one, { weights: 123, run: Math.round(108.8 + 1 * 1 * 1500 * 2 + 4 * 128 * 8 * 8 * 2) });
    assert.equal(one.run, 68645);
    // Factor 4 at 12x8 pixels: 3x2 latent pixels, batch 2 at 4 bytes.
    const attention = 2 * 8 * 6 ** 2 * 4;
    assert.deepEqual(estimateRunBytes({ family: 'sd1', width: 12, height: 8, batch: 2, bytesPerElement: 4, vaeFactor: 4, weightsBytes: 0 }), {
      weights: 0,
      run: Math.round(6.8 * attention + 2 * 6 * 1500 * 4 + 4 * 128 * 12 * 8 * 4),
    });
  });

  test('the whole estimate against its calibration: an SD 1.5-shaped model (4.1 GB of weights) at 512x512 on CPU peaked at 11.2 GiB', () => {
    const sd15 = { family: 'sd1' as const, width: 512, height: 512, batch: 2, bytesPerElement: 4 as const, provider: 'cpu' as const, weightsBytes: 4.1e9 };
    const { weights, run } = estimateRunBytes(sd15);
    assert.ok(Math.abs((weights + run) / GiB - 11.2) < 0.05, `${(weights + run) / GiB} GiB`);
    assert.throws(() => checkFitsInMemory({ ...sd15, available: 8 * GiB }), { message: '512x512 needs about 11.99 GB (4.10 GB of weights, 7.89 GB for the run at this size), more than the 8.59 GB of memory this machine has; sizes up to about 384x384 fit' });
  });

  test("the memory there is: the given amount, else the machine's RAM on CPU, and on a GPU a bound no device exceeds", () => {
    assert.equal(availableFor('cpu'), totalmem());
    assert.equal(availableFor('cuda'), Math.max(totalmem(), 256 * GiB));
    assert.equal(availableFor('webgpu', 5), 5);
    assert.equal(availableFor('cpu', 7), 7);
  });


  const check: MemoryCheck = { family: 'sd1', width: 512, height: 512, batch: 2, bytesPerElement: 4, provider: 'cpu', weightsBytes: 2 * GiB };
  const needs = (side: number) => {
    const { weights, run } = estimateRunBytes({ ...check, width: side, height: side });
    return weights + run;
  };

  test('the largest square that fits, in steps of 64 up to 4096, at its exact edge', () => {
    assert.equal(largestSquareThatFits({ ...check, available: needs(384) }), 384);
    assert.equal(largestSquareThatFits({ ...check, available: needs(384) - 1 }), 320);
    assert.equal(largestSquareThatFits({ ...check, available: needs(64) }), 64);
    assert.equal(largestSquareThatFits({ ...check, available: needs(64) - 1 }), null);
    assert.equal(largestSquareThatFits({ ...check, available: needs(4096) * 2 }), 4096);
    assert.equal(largestSquareThatFits({ ...check, provider: 'cuda' }), largestSquareThatFits({ ...check, available: Math.max(totalmem(), 256 * GiB) }));
  });

  test('a run that fits exactly runs; one byte short is refused, naming what it needs and the largest square, on the machine or on a device', () => {
    const exact = needs(512);
    assert.doesNotThrow(() => checkFitsInMemory({ ...check, available: exact }));
    const { run } = estimateRunBytes(check);
    const refusal = (where: string) =>
      `512x512 needs about ${formatBytes(exact)} (2.15 GB of weights, ${formatBytes(run)} for the run at this size), more than the ${formatBytes(exact - 1)} ${where}; sizes up to about 448x448 fit`;
    assert.throws(() => checkFitsInMemory({ ...check, available: exact - 1 }), (e: unknown) => e instanceof ModelError && e.code === 'size-not-supported' && e.message === refusal('of memory this machine has'));
    assert.throws(() => checkFitsInMemory({ ...check, provider: 'webgpu', available: exact - 1 }), (e: unknown) => e instanceof ModelError && e.message === refusal('any one device has'));
    assert.throws(() => checkFitsInMemory({ ...check, provider: 'cuda', available: GiB }), (e: unknown) => e instanceof ModelError && e.message === "The model's weights alone (2.15 GB) are more than the 1.07 GB any one device has");
  });

  test("a loaded model is checked at its guidance batch, its UNet's element size and its VAE's factor", async () => {
    // Each refusal at 4096x4096 names the run's bytes and the largest square, which differ with each of the three.
    const refusalFor = (expected: Omit<MemoryCheck, 'width' | 'height' | 'provider'>) => {
      try {
        checkFitsInMemory({ ...expected, width: 4096, height: 4096, provider: 'cpu' });
      } catch (e) {
        return (e as Error).message;
      }
      assert.fail('4096x4096 fits in the estimate');
    };
    const refused = (model: LoadedModel, cfgScale: number) => {
      try {
        checkModelFits(model, { width: 4096, height: 4096 }, cfgScale);
      } catch (e) {
        assert.ok(e instanceof ModelError && e.code === 'size-not-supported');
        return e.message;
      }
      assert.fail('4096x4096 fits');
    };
    const sd1 = await LoadedModel.load(join(fixtureModels, 'sd1-optimum'), ['cpu']);
    const own = { weightsBytes: sd1.weightBytes, vaeFactor: 8 };
    assert.equal(refused(sd1, 7.5), refusalFor({ ...own, family: 'sd1', batch: 2, bytesPerElement: 4 }));
    assert.equal(refused(sd1, 1), refusalFor({ ...own, family: 'sd1', batch: 1, bytesPerElement: 4 }));
    assert.notEqual(refused(sd1, 7.5), refused(sd1, 1));
    const turbo = await LoadedModel.load(join(fixtureModels, 'sd2-v'), ['cpu'], 'sd-turbo');
    assert.equal(refused(turbo, 7.5), refusalFor({ weightsBytes: turbo.weightBytes, vaeFactor: 8, family: 'sd-turbo', batch: 1, bytesPerElement: 4 }));
    const half = await LoadedModel.load(join(fixtureModels, 'sd1-fp16'), ['cpu']);
    assert.equal(refused(half, 7.5), refusalFor({ weightsBytes: half.weightBytes, vaeFactor: 8, family: 'sd1', batch: 2, bytesPerElement: 2 }));
    const f4 = await LoadedModel.load(join(fixtureModels, 'f4c8'), ['cpu']);
    assert.equal(refused(f4, 7.5), refusalFor({ weightsBytes: f4.weightBytes, vaeFactor: 4, family: 'sd1', batch: 2, bytesPerElement: 4 }));
    await Promise.all([sd1, turbo, half, f4].map((m) => m.release()));
  });
});

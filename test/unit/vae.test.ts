import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LoadedModel } from '../../main/engine/model/loaded-model';
import { decodeLatents, encodeImage } from '../../main/engine/pipeline/vae';
import { fixtureModels } from '../helpers/backend';

/**
 * The VAE's way in and out, checked by hand on the bundled starter, whose
 * autoencoder is a space-to-depth by 4 (torch's pixel_unshuffle) and its
 * inverse: a latent is a pixel, scaled from [0, 255] to [-1, 1] and by the
 * model's scaling factor (2.674), so every number here is worked out exactly.
 */
const starter = join(fixtureModels, '..', 'starter');
const [width, height] = [8, 8];
const pixels = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 37) % 256);

describe('VAE encoding and decoding', () => {
  let model: LoadedModel;
  before(async () => {
    model = await LoadedModel.load(starter, ['cpu']);
  });
  after(() => model.release());

  test("encoding: latent channel c·16 + dy·4 + dx at (y, x) is pixel (4y + dy, 4x + dx)'s channel c, as (v / 255 · 2 − 1) · scaling", async () => {
    const latents = await encodeImage(model, { width, height, data: pixels });
    assert.equal(latents.length, 48 * 2 * 2);
    const scaling = 2.673962116241455;
    for (let ch = 0; ch < 48; ch++) {
      for (let y = 0; y < 2; y++) {
        for (let x = 0; x < 2; x++) {
          const [c, dy, dx] = [Math.floor(ch / 16), Math.floor((ch % 16) / 4), ch % 4];
          const expected = ((pixels[((y * 4 + dy) * width + x * 4 + dx) * 3 + c]! / 255) * 2 - 1) * scaling;
          assert.ok(Math.abs(latents[ch * 4 + y * 2 + x]! - expected) < 1e-6, `channel ${ch} at ${y},${x}`);
        }
      }
    }
  });

  test('decoding undoes it to the level; values past [-1, 1] are clamped to 0 and 255, and levels round to the nearest', async () => {
    const back = await decodeLatents(model, await encodeImage(model, { width, height, data: pixels }), 2, 2);
    assert.deepEqual([back.width, back.height], [width, height]);
    assert.deepEqual([...back.data], [...pixels]);
    const scaling = model.vaeScalingFactor;
    // Latent channel 0 is pixel (4y, 4x)'s red: 3 and -3 (past the range) and the levels 100.4 and 100.6.
    const latents = new Float32Array(48 * 4);
    [3, -3, (100.4 / 255) * 2 - 1, (100.6 / 255) * 2 - 1].forEach((v, i) => (latents[i] = v * scaling));
    const image = await decodeLatents(model, latents, 2, 2);
    const red = (y: number, x: number) => image.data[(y * 4 * width + x * 4) * 3]!;
    assert.deepEqual([red(0, 0), red(0, 1), red(1, 0), red(1, 1)], [255, 0, 100, 101]);
  });
});

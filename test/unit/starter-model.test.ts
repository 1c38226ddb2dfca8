import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { decode } from 'fast-png';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { ModelLibrary } from '../../main/models/model-library';
import { defaultLibrary } from '../../main/core/data-dir';
import { Engine } from '../../main/engine/engine';
import { repoRoot } from '../helpers/paths';

const starter = join(repoRoot, 'models', 'starter');
const sizeOf = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.name !== 'training')
    .reduce((total, e) => total + (e.isDirectory() ? sizeOf(join(dir, e.name)) : statSync(join(dir, e.name)).size), 0);

describe('the starter model', () => {
  test('ships under 40 MB, in the library by default, as a v-prediction (SD 2.x-style) model at 64x64', async () => {
    assert.ok(sizeOf(starter) < 40 * 1024 * 1024, `${(sizeOf(starter) / 2 ** 20).toFixed(1)} MiB`);
    const library = defaultLibrary(mkdtempSync(join(tmpdir(), 'wordbrush-home-')), join(repoRoot, 'models'));
    const { models } = await new ModelLibrary(library.models).list();
    assert.deepEqual(models.map((m) => [m.id, m.family, m.problem, m.location, m.nativeSize]), [['starter', 'sd2', null, 'bundled', { width: 64, height: 64 }]]);
  });

  test('generates at its own 64x64 size by default, the same image for the same seed, on the CPU', async () => {
    const engine = new Engine({ platform: process.platform, version: '0.0.0-test', cacheDir: mkdtempSync(join(tmpdir(), 'wordbrush-cache-')) });
    const request = { model: starter, prompt: 'a large red star to the left of a small blue ring on a sand background', seed: 3, steps: 10, outputDir: mkdtempSync(join(tmpdir(), 'wordbrush-starter-')) };
    const [a, b] = [await engine.run(request), await engine.run(request)];
    assert.equal(a.family, 'sd2');
    assert.deepEqual([a.images[0]!.width, a.images[0]!.height], [64, 64]);
    assert.deepEqual(a.providers.unet, 'cpu');
    assert.equal(statSync(a.images[0]!.path).size > 0, true);
    const pixels = (path: string) => decode(readFileSync(path)).data;
    assert.deepEqual(pixels(a.images[0]!.path), pixels(b.images[0]!.path));
    const other = await engine.run({ ...request, seed: 4 });
    assert.notDeepEqual(pixels(other.images[0]!.path), pixels(a.images[0]!.path));
  });

  test('its autoencoder is lossless (space-to-depth by 4 into 48 channels), so only the UNet limits what it draws', async () => {
    const [encoder, decoder] = await Promise.all(['vae_encoder', 'vae_decoder'].map((part) => InferenceSession.create(join(starter, part, 'model.onnx'))));
    const image = Float32Array.from({ length: 3 * 64 * 64 }, (_, i) => ((i * 7919) % 255) / 127.5 - 1);
    const latent = (await encoder!.run({ sample: new Tensor('float32', image, [1, 3, 64, 64]) })).latent_sample!;
    assert.deepEqual(latent.dims, [1, 48, 16, 16]);
    // Channel c at (y, x) holds pixel (4y + (c % 16) / 4, 4x + c % 4) of colour c / 16: PyTorch's pixel_unshuffle.
    const at = (c: number, y: number, x: number) => (latent.data as Float32Array)[(c * 16 + y) * 16 + x];
    assert.equal(at(21, 3, 5), image[(1 * 64 + 4 * 3 + 1) * 64 + 4 * 5 + 1]);
    const decoded = (await decoder!.run({ latent_sample: latent })).sample!;
    assert.deepEqual(Array.from(decoded.data as Float32Array), Array.from(image));
    const config = JSON.parse(readFileSync(join(starter, 'vae_decoder', 'config.json'), 'utf8')) as { latent_channels: number; block_out_channels: number[] };
    assert.deepEqual([config.latent_channels, 2 ** (config.block_out_channels.length - 1)], [48, 4]);
  });
});

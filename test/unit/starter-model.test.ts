import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { decode } from 'fast-png';
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
  test('ships under 40 MB, in the library by default, as an SD 1.x model', async () => {
    assert.ok(sizeOf(starter) < 40 * 1024 * 1024, `${(sizeOf(starter) / 2 ** 20).toFixed(1)} MiB`);
    const library = defaultLibrary(mkdtempSync(join(tmpdir(), 'wordbrush-home-')), join(repoRoot, 'models'));
    const { models } = await new ModelLibrary(library.models).list();
    assert.deepEqual(models.map((m) => [m.id, m.family, m.problem, m.location, m.nativeSize]), [['starter', 'sd1', null, 'bundled', { width: 64, height: 64 }]]);
  });

  test('generates at its own 64x64 size by default, the same image for the same seed, on the CPU', async () => {
    const engine = new Engine({ platform: process.platform, version: '0.0.0-test', cacheDir: mkdtempSync(join(tmpdir(), 'wordbrush-cache-')) });
    const request = { model: starter, prompt: 'a large red star to the left of a small blue ring on a sand background', seed: 3, steps: 10, outputDir: mkdtempSync(join(tmpdir(), 'wordbrush-starter-')) };
    const [a, b] = [await engine.run(request), await engine.run(request)];
    assert.equal(a.family, 'sd1');
    assert.deepEqual([a.images[0]!.width, a.images[0]!.height], [64, 64]);
    assert.deepEqual(a.providers.unet, 'cpu');
    assert.equal(statSync(a.images[0]!.path).size > 0, true);
    const pixels = (path: string) => decode(readFileSync(path)).data;
    assert.deepEqual(pixels(a.images[0]!.path), pixels(b.images[0]!.path));
    const other = await engine.run({ ...request, seed: 4 });
    assert.notDeepEqual(pixels(other.images[0]!.path), pixels(a.images[0]!.path));
  });
});

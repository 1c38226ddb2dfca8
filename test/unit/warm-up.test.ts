import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { Engine } from '../../main/engine/engine';
import { fixtureModels } from '../helpers/backend';

/**
 * Warming a model up (issue #22, item 3): its parts run once at the run's shapes before the
 * run, so the run's first step is not the slow one, and a run that comes stops it between calls.
 */
const work = mkdtempSync(join(tmpdir(), 'wordbrush-warm-'));
type Run = (this: ort.InferenceSession, feeds: ort.InferenceSession.FeedsType, ...rest: unknown[]) => Promise<ort.InferenceSession.ReturnType>;
const sessionClass = ort.InferenceSession as unknown as { prototype: { run: Run } };
const realRun = sessionClass.prototype.run;
/** The shape of each part's first input, call by call: [name, dims]. */
let calls: [string, readonly number[]][] = [];
sessionClass.prototype.run = function (feeds, ...rest) {
  const [name, tensor] = Object.entries(feeds)[0]!;
  calls.push([name, (tensor as ort.Tensor).dims]);
  return realRun.call(this, feeds, ...rest);
};

describe('warming a model up', () => {
  const engine = new Engine({ platform: process.platform, version: 'test', cacheDir: join(work, 'cache') });
  // The UNet's attention is fused on its first load here, checked by runs of its own: made (and cached) before anything is counted.
  before(async () => {
    const first = new Engine({ platform: process.platform, version: 'test', cacheDir: join(work, 'cache') });
    await first.warm({ model: join(fixtureModels, 'sd1-optimum'), width: 64, height: 64 });
    await first.release();
  });
  after(async () => {
    sessionClass.prototype.run = realRun;
    await engine.release();
    rmSync(work, { recursive: true, force: true });
  });

  test("loads the model and runs the encoder, the UNet three times at the run's guidance batch and latent size, and the decoder at its size; the run then loads nothing", async () => {
    calls = [];
    const { warmMs } = await engine.warm({ model: join(fixtureModels, 'sd1-optimum'), width: 128, height: 64, cfgScale: 7 });
    assert.ok(warmMs > 0);
    assert.deepEqual(
      calls.filter(([name]) => name !== 'input_ids'),
      [
        ['sample', [2, 4, 8, 16]],
        ['sample', [2, 4, 8, 16]],
        ['sample', [2, 4, 8, 16]],
        ['latent_sample', [1, 4, 8, 16]],
      ],
    );
    assert.ok(calls.some(([name]) => name === 'input_ids'), 'the text encoder ran');
    const warmed = await engine.loadedModel();
    await engine.run({ model: join(fixtureModels, 'sd1-optimum'), prompt: 'a red star', seed: 1, steps: 2, width: 128, height: 64, cfgScale: 7, outputDir: join(work, 'out') });
    assert.equal(await engine.loadedModel(), warmed, 'the run took the model the warm-up loaded');
  });

  test('without guidance (CFG 1) the UNet is warmed at a batch of one', async () => {
    calls = [];
    await engine.warm({ model: join(fixtureModels, 'sd1-optimum'), width: 64, height: 64, cfgScale: 1 });
    assert.deepEqual(calls.filter(([name]) => name === 'sample').map(([, dims]) => dims[0]), [1, 1, 1]);
  });

  test('a stop asked for before it starts runs no part; one asked for between calls stops it there', async () => {
    calls = [];
    const stopped = new AbortController();
    stopped.abort();
    await assert.rejects(engine.warm({ model: join(fixtureModels, 'sd1-optimum'), width: 64, height: 64 }, stopped.signal), { name: 'AbortError' });
    assert.equal(calls.length, 0, 'no part ran');
    const midway = new AbortController();
    sessionClass.prototype.run = function (feeds, ...rest) {
      if ('sample' in feeds) midway.abort();
      calls.push([Object.keys(feeds)[0]!, []]);
      return realRun.call(this, feeds, ...rest);
    };
    await assert.rejects(engine.warm({ model: join(fixtureModels, 'sd1-optimum'), width: 64, height: 64 }, midway.signal), { name: 'AbortError' });
    assert.equal(calls.filter(([name]) => name === 'sample').length, 1, 'one UNet call, then stopped');
  });
});

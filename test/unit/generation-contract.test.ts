import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decode } from 'fast-png';
import type { GenerationProgress } from '../../app/contract/generation';
import { StudioError } from '../../app/rpc/errors';
import { encodePng } from '../../main/images/png';
import type { StudioBackend } from '../../main/core/studio-backend';
import { startBrowserServer, type BrowserServer } from '../../main/server/browser-server';
import { browserBackend } from '../helpers/backend';
import { builtPaths, requireBuild } from '../helpers/paths';
import { connectStudioSocket } from '../helpers/socket-client';
import { waitFor } from '../helpers/wait';

// Generation through the whole chain: typed client → WebSocket → main's router → supervisor →
// inference process → engine on a fixture model, with events coming back the same way.
describe('generation over the contract', () => {
  const galleryDir = mkdtempSync(join(tmpdir(), 'wordbrush-gallery-'));
  let backend: StudioBackend;
  let server: BrowserServer;
  let studio: Awaited<ReturnType<typeof connectStudioSocket>>;

  before(async () => {
    requireBuild();
    // What a crash mid-write leaves behind, for the start-up clean-up to find.
    writeFileSync(join(galleryDir, 'wordbrush-crashed-1.png.partial'), 'half an image');
    mkdirSync(builtPaths.inference.cacheDir, { recursive: true });
    writeFileSync(join(builtPaths.inference.cacheDir, 'unet-crashed.onnx.partial'), 'half a graph');
    backend = browserBackend({ galleryDir });
    server = await startBrowserServer({ backend, rendererDir: builtPaths.rendererDir, galleryDir, host: '127.0.0.1', port: 0 });
    studio = await connectStudioSocket(server.port, server.token);
  });
  after(async () => {
    studio.close();
    await server.close();
    await backend.stop();
  });

  test('half-written results and cache entries left by a crash are removed at start', async () => {
    await waitFor('the inference process to clean its cache', () => (existsSync(join(builtPaths.inference.cacheDir, 'unet-crashed.onnx.partial')) ? undefined : true));
    assert.ok(!existsSync(join(galleryDir, 'wordbrush-crashed-1.png.partial')));
  });

  test('lists the library models with their families', async () => {
    const { models, problems } = await studio.client.call('models.list', {});
    assert.deepEqual(problems, []);
    const byName = Object.fromEntries(models.map((m) => [m.id, m.family]));
    assert.deepEqual(byName, { f4c8: 'sd1', 'sd1-conversion': 'sd1', 'sd1-fp16': 'sd1', 'sd1-optimum': 'sd1', 'sd1-sdpa': 'sd1', 'sd1-static': 'sd1', 'sd2-v': 'sd2', sdxl: 'sdxl', 'sdxl-refiner': 'sdxl-refiner' });
  });

  test('generates into the gallery with progress and previews for every step', async () => {
    const progress: GenerationProgress[] = [];
    const off = studio.client.on('generation.progress', (p) => p.jobId === 'job-1' && p.phase === 'sampling' && progress.push(p));
    const result = await studio.client.call('generate', {
      jobId: 'job-1',
      settings: { model: 'sd2-v', prompt: 'a blue ring', seed: 3, steps: 3, width: 64, height: 64 },
    });
    off();
    assert.equal(result.family, 'sd2');
    // The renderer gets gallery ids, never paths.
    assert.doesNotMatch(JSON.stringify(result), new RegExp(galleryDir.replace(/[/\\]/g, '.')));
    assert.ok(existsSync(join(galleryDir, `${result.images[0]!.id}.png`)));
    assert.deepEqual(progress.map((p) => p.step), [1, 2, 3]);
    assert.match(progress[0]!.preview ?? '', /^data:image\/png;base64,/);
  });

  for (const model of ['sd1-conversion', 'sd1-optimum', 'sd1-fp16', 'sd1-static', 'sdxl']) {
    test(`${model} generates through the contract, the same image for the same seed`, async () => {
      const settings = { model, prompt: 'a red star', seed: 11, steps: 2, width: 64, height: 64 };
      const [a, b] = [await studio.client.call('generate', { jobId: `${model}-a`, settings }), await studio.client.call('generate', { jobId: `${model}-b`, settings })];
      const file = (id: string) => readFileSync(join(galleryDir, `${id}.png`));
      assert.deepEqual(file(a.images[0]!.id).subarray(-200), file(b.images[0]!.id).subarray(-200));
      assert.deepEqual(decode(file(a.images[0]!.id)).data, decode(file(b.images[0]!.id)).data);
    });
  }

  /** Uploads PNG bytes through the contract in chunks of `chunk` base64 characters, as the renderer does. */
  const upload = async (bytes: Uint8Array, id: string, chunk = 4096) => {
    const base64 = Buffer.from(bytes).toString('base64');
    let answer: { asset: string | null; received: number } = { asset: null, received: 0 };
    for (let at = 0; at < base64.length; at += chunk) {
      const data = base64.slice(at, at + chunk);
      answer = await studio.client.call('assets.upload', { upload: id, offset: answer.received, total: bytes.length, data });
    }
    return answer.asset!;
  };

  test('regions, start images and inpaint masks come as uploaded assets, and reach the engine as their files', async () => {
    const white = encodePng(64, 64, new Uint8Array(64 * 64 * 3).fill(255));
    const mask = await upload(white, 'mask-1');
    assert.match(mask, /^asset_[0-9a-f]{40}$/);
    assert.equal(await upload(white, 'mask-again', 1_000_000), mask, 'the same pixels are the same asset');
    const result = await studio.client.call('generate', {
      jobId: 'spatial-1',
      settings: { model: 'sdxl', prompt: 'a red star', seed: 2, steps: 2, width: 64, height: 64, conditioning: { version: 1, regions: [{ id: 'painted', phrase: 'red star', mask: { kind: 'asset', asset: mask } }] } },
    });
    assert.equal(result.spatialControl, 'attention');
    // The inference process is handed the asset's file, not its pixels inline; the sidecar names that file.
    const sidecar = JSON.parse(readFileSync(join(galleryDir, `${result.images[0]!.id}.json`), 'utf8')) as { request: { conditioning: { regions: { mask: { png: string } }[] } } };
    const maskFile = sidecar.request.conditioning.regions[0]!.mask.png;
    assert.ok(isAbsolute(maskFile) && basename(maskFile) === `${mask}.png`, maskFile);
    assert.deepEqual(readFileSync(maskFile), white);

    const start = await upload(encodePng(64, 64, new Uint8Array(64 * 64 * 3).fill(90)), 'start-1');
    const inpainted = await studio.client.call('generate', { jobId: 'inpaint-1', settings: { model: 'sd1-optimum', prompt: 'a red star', seed: 2, steps: 2, width: 64, height: 64, init: { asset: start, strength: 0.6 }, mask } });
    assert.equal(inpainted.images.length, 1);
  });

  test("a result the canvas takes becomes an asset from the gallery's own file, by id: the asset its bytes would upload as", async () => {
    const made = await studio.client.call('generate', { jobId: 'adopt-1', settings: { model: 'sd1-optimum', prompt: 'a red star', seed: 5, steps: 1, width: 64, height: 64 } });
    const id = made.images[0]!.id;
    const { asset } = await studio.client.call('assets.fromGallery', { id });
    assert.equal(asset, await upload(readFileSync(join(galleryDir, `${id}.png`)), 'adopt-same'));
    const live = await studio.client.call('generate', { jobId: 'adopt-live', settings: { model: 'sd1-optimum', prompt: 'a red star', seed: 6, steps: 1, width: 64, height: 64 }, live: true });
    const liveId = live.images[0]!.id;
    assert.equal((await studio.client.call('assets.fromGallery', { id: liveId, live: true })).asset, await upload(readFileSync(join(galleryDir, '.live', `${liveId}.png`)), 'adopt-live'));
    const gone = (e: unknown) => e instanceof StudioError && e.code === 'not-found';
    await assert.rejects(studio.client.call('assets.fromGallery', { id: liveId }), gone, 'a live result is not in the gallery itself');
    await assert.rejects(studio.client.call('assets.fromGallery', { id: 'never-made' }), gone);
    await assert.rejects(studio.client.call('assets.fromGallery', { id: '../secret' }), (e: unknown) => e instanceof StudioError && e.code === 'invalid-input');
  });

  test('the renderer cannot name a file for main to read, nor an asset it never uploaded', async () => {
    const secret = join(mkdtempSync(join(tmpdir(), 'wordbrush-secret-')), 'secret.png');
    writeFileSync(secret, encodePng(8, 8, new Uint8Array(8 * 8 * 3)));
    const base = { model: 'sd1-optimum', prompt: 'x', seed: 1, steps: 1, width: 64, height: 64 };
    const refusals = [
      { ...base, conditioning: { version: 1, regions: [{ id: 'r', phrase: 'x', mask: { kind: 'image', png: secret } }] } },
      { ...base, init: { image: secret, strength: 0.5 } },
      { ...base, init: { asset: 'asset_1234', strength: 0.5 }, mask: secret },
    ];
    for (const settings of refusals) {
      await assert.rejects(studio.client.call('generate', { jobId: 'path-1', settings: settings as never }), (e: unknown) => e instanceof StudioError && e.code === 'invalid-input');
    }
    await assert.rejects(studio.client.call('generate', { jobId: 'ghost-1', settings: { ...base, init: { asset: `asset_${'0'.repeat(40)}`, strength: 0.5 } } }), (e: unknown) => e instanceof StudioError && e.code === 'invalid-asset' && /not in the studio's assets/.test(e.message));
  });

  test('uploads are bounded and checked: too large, out of order, or not a PNG is refused in words', async () => {
    const call = (input: { upload: string; offset: number; total: number; data: string }) => studio.client.call('assets.upload', input);
    const refused = (code: string, pattern: RegExp) => (e: unknown) => e instanceof StudioError && e.code === code && pattern.test(e.message);
    await assert.rejects(call({ upload: 'big', offset: 0, total: 64 * 2 ** 20, data: 'AAAA' }), refused('invalid-asset', /up to 32 MB/));
    await assert.rejects(call({ upload: 'late', offset: 3, total: 6, data: 'AAAA' }), refused('invalid-asset', /not open/));
    await call({ upload: 'gap', offset: 0, total: 9, data: 'AAAA' });
    await assert.rejects(call({ upload: 'gap', offset: 6, total: 9, data: 'AAAA' }), refused('invalid-asset', /expected 3 of 9 bytes next/));
    await assert.rejects(call({ upload: 'text', offset: 0, total: 3, data: Buffer.from('abc').toString('base64') }), refused('invalid-asset', /not a PNG/));
    await assert.rejects(call({ upload: 'bad', offset: 0, total: 3, data: 'not base64!' }), (e: unknown) => e instanceof StudioError && e.code === 'invalid-input' && e.issues?.[0]?.path === 'data' && e.issues[0].message === 'Base64');
  });

  for (const model of ['sd1-conversion', 'sd1-optimum', 'sd1-fp16', 'sd1-sdpa', 'sd1-static', 'sd2-v', 'sdxl']) {
    test(`${model}: every conditioning mode runs through the contract`, async () => {
      const half = (x: number) => ({ kind: 'rect' as const, rect: { x, y: 0, width: 0.5, height: 1 } });
      const docs = [
        { version: 1 as const, regions: [{ id: 'star', phrase: 'red star', mask: half(0) }] },
        { version: 1 as const, regionalMode: 'attention-masks' as const, regions: [{ id: 'cross', prompt: 'a green cross', mask: half(0.5) }] },
        { version: 1 as const, regionalMode: 'latent-composition' as const, regions: [{ id: 'cross', prompt: 'a green cross', mask: half(0.5) }] },
        { version: 1 as const, boxes: [{ id: 'ring', label: 'blue ring', rect: { x: 0.5, y: 0.5, width: 0.4, height: 0.4 } }] },
        { version: 1 as const, sceneGraph: { objects: [{ id: 'a', name: 'star' }, { id: 'b', name: 'ring' }], relations: [{ subject: 'a', predicate: 'below' as const, object: 'b' }] } },
      ];
      for (const [i, conditioning] of docs.entries()) {
        const result = await studio.client.call('generate', { jobId: `${model}-mode-${i}`, settings: { model, prompt: 'a red star and a blue ring', seed: 4, steps: 2, width: 64, height: 64, conditioning } });
        assert.notEqual(result.spatialControl, 'none');
      }
    });
  }

  test('a contradictory scene graph comes back as a scene-graph-conflict naming the relations, not a model error', async () => {
    await assert.rejects(
      studio.client.call('generate', {
        jobId: 'spatial-2',
        settings: {
          model: 'sd1-optimum',
          prompt: '',
          seed: 2,
          steps: 2,
          width: 64,
          height: 64,
          conditioning: { version: 1, sceneGraph: { objects: [{ id: 'a', name: 'cat' }, { id: 'b', name: 'dog' }], relations: [{ subject: 'a', predicate: 'inside', object: 'b' }, { subject: 'b', predicate: 'inside', object: 'a' }] } },
        },
      }),
      (e: unknown) => e instanceof StudioError && e.code === 'scene-graph-conflict' && /Containment goes round in a circle: cat inside dog, dog inside cat/.test(e.message),
    );
  });

  test('the renderer cannot choose where results are written', async () => {
    await assert.rejects(
      studio.client.call('generate', { jobId: 'job-x', settings: { model: 'sd1-optimum', prompt: 'x', seed: 1, outputDir: '/tmp/elsewhere' } as never }),
      (e: unknown) => e instanceof StudioError && e.code === 'invalid-input',
    );
  });

  test('a model problem is a typed model-error, and the next job still runs', async () => {
    await assert.rejects(
      studio.client.call('generate', { jobId: 'job-2', settings: { model: 'sd1-static', prompt: 'x', seed: 1, width: 128, height: 128 } }),
      (e: unknown) => e instanceof StudioError && e.code === 'model-error' && /fixed sample shape/.test(e.message),
    );
    const ok = await studio.client.call('generate', { jobId: 'job-3', settings: { model: 'sd1-static', prompt: 'x', seed: 1, steps: 2, width: 64, height: 64 } });
    assert.equal(ok.images.length, 1);
  });

  test('a warm-up loads the model for the run to come; while a run is going there is none; a run arriving meanwhile still runs', async () => {
    assert.deepEqual((await studio.client.call('generate.warm', { model: 'sd1-optimum', width: 64, height: 64 })).warmed, true);
    const going = studio.client.call('generate', { jobId: 'job-warm-1', settings: { model: 'sd1-optimum', prompt: 'x', seed: 1, steps: 6, width: 64, height: 64 } });
    assert.deepEqual(await studio.client.call('generate.warm', { model: 'sd1-conversion', width: 64, height: 64 }), { warmed: false, warmMs: 0 });
    const done = await going;
    assert.equal(done.timings.loadMs, 0, 'the run found the warmed model loaded');
    // A warm-up of another model, then at once a run: the run is never refused or lost.
    const warming = studio.client.call('generate.warm', { model: 'sd1-conversion', width: 64, height: 64 });
    const next = await studio.client.call('generate', { jobId: 'job-warm-2', settings: { model: 'sd1-optimum', prompt: 'x', seed: 1, steps: 2, width: 64, height: 64 } });
    assert.equal(next.images.length, 1);
    await warming;
  });

  test("a live run is quiet (no progress events for a short run: the page waits for the image, not the steps) and its image goes to the gallery's hidden .live/ folder", async () => {
    let events = 0;
    const off = studio.client.on('generation.progress', (p) => void (p.jobId === 'job-live' && events++));
    const before = (await studio.client.call('gallery.list', {})).total;
    const result = await studio.client.call('generate', { jobId: 'job-live', settings: { model: 'sd1-optimum', prompt: 'x', seed: 1, steps: 3, width: 64, height: 64 }, live: true });
    off();
    assert.equal(events, 0);
    assert.ok(existsSync(join(galleryDir, '.live', `${result.images[0]!.id}.png`)));
    assert.equal((await studio.client.call('gallery.list', {})).total, before, 'not in the gallery');
  });

  test('cancel stops a running job within a step, and the engine is ready for the next', async () => {
    let steps = 0;
    let stepsAtCancelReply: number | null = null;
    const off = studio.client.on('generation.progress', (p) => {
      if (p.jobId !== 'job-4' || p.phase !== 'sampling') return;
      steps++;
      if (steps === 2) {
        void studio.client.call('generate.cancel', { jobId: 'job-4' }).then(({ cancelled }) => {
          assert.ok(cancelled);
          stepsAtCancelReply = steps;
        });
      }
    });
    await assert.rejects(
      studio.client.call('generate', { jobId: 'job-4', settings: { model: 'sd1-conversion', prompt: 'x', seed: 1, steps: 40, width: 64, height: 64 } }),
      (e: unknown) => e instanceof StudioError && e.code === 'cancelled',
    );
    off();
    // Replies and events share one ordered channel: once the cancel is answered, at most the step it interrupted may still report.
    assert.ok(stepsAtCancelReply !== null, 'the cancel was answered before the job ended');
    assert.ok(steps - stepsAtCancelReply <= 1, `${steps - stepsAtCancelReply} steps ran after the cancel was answered`);
    assert.ok(steps < 40);
    assert.deepEqual(await studio.client.call('generate.cancel', { jobId: 'job-4' }), { cancelled: false });
    const next = await studio.client.call('generate', { jobId: 'job-5', settings: { model: 'sd1-conversion', prompt: 'x', seed: 1, steps: 2, width: 64, height: 64 } });
    assert.equal(next.images.length, 1);
  });
});

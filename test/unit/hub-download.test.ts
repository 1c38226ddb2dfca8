import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { DownloadStatus } from '../../app/contract/models';
import { DownloadManager } from '../../main/models/hub/download-manager';
import { selectFiles, type HubTreeEntry } from '../../main/models/hub/select-files';
import { ModelLibrary } from '../../main/models/model-library';
import { fixtureModels, temporary } from '../helpers/backend';
import { startHubServer, type HubServer } from '../helpers/hub-server';

const FIXTURE = join(fixtureModels, 'sd1-optimum');
const WEIGHTS = 'unet/model.onnx_data';
const weightsSize = statSync(join(FIXTURE, WEIGHTS)).size;

let hub: HubServer;

/** A downloader over a fresh library, talking to the loopback hub with quick retries. */
function setup(options: { token?: string; libraryDir?: string } = {}) {
  const library = new ModelLibrary({ dir: options.libraryDir ?? temporary('library'), readOnly: [] });
  const statuses: DownloadStatus[] = [];
  const manager = new DownloadManager({
    library,
    hub: { endpoint: hub.url, token: async () => options.token ?? null },
    onStatus: (status) => statuses.push(status),
    onInstalled: () => undefined,
    retry: { attempts: 4, baseDelayMs: 10 },
  });
  return { library, manager, statuses };
}

async function download(manager: DownloadManager, repo: string, extra: { id?: string } = {}): Promise<DownloadStatus> {
  const started = await manager.start({ repo, ...extra });
  return manager.whenDone(started.id);
}

/** What a failed download must leave: the library as it was, no model folder, nothing listed. */
async function assertLibraryUntouched(library: ModelLibrary) {
  assert.deepEqual((await library.list()).models, []);
  assert.deepEqual(existsSync(library.dir) ? readdirSync(library.dir).filter((f) => !f.startsWith('.')) : [], []);
}

describe('downloads from a Hugging Face hub (loopback)', () => {
  before(async () => {
    hub = await startHubServer(4);
  });
  after(() => hub.close());
  beforeEach(() => {
    hub.requests.length = 0;
    hub.faults.dropAfter.clear();
    hub.faults.corrupt.clear();
    hub.faults.statuses.clear();
    hub.faults.privateRepos.clear();
    hub.faults.ignoreRange = false;
    hub.faults.cdnDelayMs = 0;
  });

  test('lists every page, pins the commit, verifies every file and adds the model whole', async () => {
    const commit = hub.host('acme/sd1-tiny', FIXTURE);
    const { library, manager, statuses } = setup();
    const done = await download(manager, 'acme/sd1-tiny');
    assert.equal(done.phase, 'done', done.error ?? '');
    assert.equal(done.commit, commit);
    assert.ok(done.files.every((f) => f.verified && f.done === f.size));
    assert.ok(hub.requests.filter((r) => r.path.includes('/tree/')).length > 3, 'the listing is paginated');
    const fetched = hub.requests.filter((r) => r.path.includes('/resolve/'));
    assert.ok(fetched.length > 0 && fetched.every((r) => r.path.includes(`/resolve/${commit}/`)), 'every file is fetched at the listed commit');
    assert.ok(!fetched.some((r) => /README|safety_checker/.test(r.path)));
    assert.deepEqual(
      statuses.map((s) => s.phase).filter((p, i, all) => p !== all[i - 1]),
      ['listing', 'downloading', 'verifying', 'done'],
    );

    const [model] = (await library.list()).models;
    assert.equal(model?.id, 'sd1-tiny');
    assert.equal(model?.problem, null);
    assert.equal(model?.family, 'sd1');
    assert.deepEqual(model?.source, { kind: 'hub', endpoint: hub.url, repo: 'acme/sd1-tiny', revision: 'main', commit, subfolder: null, variant: null });
    assert.deepEqual(await library.verify('sd1-tiny'), { id: 'sd1-tiny', ok: true, mismatches: [] });
    assert.deepEqual(readdirSync(library.dir).filter((f) => f.startsWith('.')), [], 'the work folder is gone');
  });

  test('sends the token to the hub only, never to the host it redirects to', async () => {
    hub.host('acme/private', FIXTURE);
    hub.faults.privateRepos.set('acme/private', 'hf_secret');
    const refused = setup();
    const failed = await download(refused.manager, 'acme/private');
    assert.equal(failed.phase, 'failed');
    assert.match(failed.error ?? '', /refused acme\/private@main \(401\).*token/);
    await assertLibraryUntouched(refused.library);

    hub.requests.length = 0;
    const { manager } = setup({ token: 'hf_secret' });
    assert.equal((await download(manager, 'acme/private')).phase, 'done');
    const toHub = hub.requests.filter((r) => r.host === 'hub');
    const toCdn = hub.requests.filter((r) => r.host === 'cdn');
    assert.ok(toCdn.length > 0, 'weights came through the redirect');
    assert.ok(toHub.every((r) => r.authorization === 'Bearer hf_secret'));
    assert.ok(toCdn.every((r) => r.authorization === undefined), 'the token never reaches the CDN');
  });

  test('a connection dropped at several points of a file resumes with Range and still verifies', async () => {
    hub.host('acme/flaky', FIXTURE);
    hub.faults.dropAfter.set(WEIGHTS, [1000, 1_500_000, weightsSize - 1]);
    hub.faults.dropAfter.set('tokenizer/vocab.json', [10]);
    const { library, manager } = setup();
    const done = await download(manager, 'acme/flaky');
    assert.equal(done.phase, 'done', done.error ?? '');
    // Each retry asks for the rest from what arrived (bytes still in flight when the connection died are lost).
    const starts = hub.requests.filter((r) => r.host === 'cdn' && r.range).map((r) => Number(/^bytes=(\d+)-$/.exec(r.range!)![1]));
    assert.equal(starts.length, 3, `ranged requests: ${starts.join(', ')}`);
    [1000, 1_500_000, weightsSize - 1].forEach((drop, i) => assert.ok(starts[i]! > (i === 0 ? 0 : starts[i - 1]!) && starts[i]! <= drop, `resumed at ${starts[i]} after a drop at ${drop}`));
    assert.ok(hub.requests.some((r) => r.path.endsWith('tokenizer/vocab.json') && r.range === 'bytes=10-'));
    assert.equal((await library.verify('flaky')).ok, true);
  });

  test('a server that ignores Range sends the whole file again, which is taken from zero', async () => {
    hub.host('acme/norange', FIXTURE);
    hub.faults.dropAfter.set(WEIGHTS, [200_000]);
    hub.faults.ignoreRange = true;
    const { library, manager } = setup();
    assert.equal((await download(manager, 'acme/norange')).phase, 'done');
    assert.equal((await library.verify('norange')).ok, true);
  });

  test('one corrupted byte is rejected, naming the file, and the library stays as it was', async () => {
    hub.host('acme/corrupt', FIXTURE);
    hub.faults.corrupt.add(WEIGHTS);
    const { library, manager } = setup();
    const failed = await download(manager, 'acme/corrupt');
    assert.equal(failed.phase, 'failed');
    assert.match(failed.error ?? '', /unet\/model\.onnx_data arrived damaged: its sha256 is [0-9a-f]{64}, the hub lists [0-9a-f]{64}/);
    await assertLibraryUntouched(library);
    // Cancelling a failed download deletes what it fetched.
    assert.equal((await manager.cancel(failed.id)).phase, 'cancelled');
    assert.deepEqual(readdirSync(library.dir), []);
  });

  test('busy and failing servers are tried again; a missing repository and a missing file fail clearly', async () => {
    hub.host('acme/busy', FIXTURE);
    hub.faults.statuses.set('/tree/', [429, 500]);
    hub.faults.statuses.set('vae_decoder/model.onnx', [503]);
    const busy = setup();
    assert.equal((await download(busy.manager, 'acme/busy')).phase, 'done');

    const missing = setup();
    const notFound = await download(missing.manager, 'acme/nothing-here');
    assert.equal(notFound.phase, 'failed');
    assert.match(notFound.error ?? '', /acme\/nothing-here@main was not found on the hub \(404\)/);
    await assertLibraryUntouched(missing.library);

    // A repository removed while its files are being fetched.
    hub.host('acme/vanishing', FIXTURE);
    hub.faults.statuses.set('vae_encoder/model.onnx', [404]);
    const vanishing = setup();
    const gone = await download(vanishing.manager, 'acme/vanishing');
    assert.equal(gone.phase, 'failed');
    assert.match(gone.error ?? '', /vae_encoder\/model\.onnx is not on the hub \(404\); the repository or revision may have been removed/);
    await assertLibraryUntouched(vanishing.library);

    hub.host('acme/down', FIXTURE);
    hub.faults.statuses.set(WEIGHTS, [500, 500, 500, 500, 500]);
    const down = setup();
    const failed = await download(down.manager, 'acme/down');
    assert.equal(failed.phase, 'failed');
    assert.match(failed.error ?? '', /unet\/model\.onnx_data: the server answered 500/);
    await assertLibraryUntouched(down.library);
  });

  test('a library that cannot be written fails the download with the reason, not a crash', async () => {
    hub.host('acme/nowhere', FIXTURE);
    const blocker = join(temporary('blocked'), 'a-file');
    writeFileSync(blocker, 'not a folder');
    const { manager } = setup({ libraryDir: join(blocker, 'models') });
    const failed = await download(manager, 'acme/nowhere');
    assert.equal(failed.phase, 'failed');
    assert.match(failed.error ?? '', /cannot be written/);
  });

  test('the same repository asked twice at once is one download and one model', async () => {
    hub.host('acme/twice', FIXTURE);
    hub.faults.cdnDelayMs = 50;
    const { library, manager } = setup();
    const [a, b] = await Promise.all([manager.start({ repo: 'acme/twice' }), manager.start({ repo: 'acme/twice' })]);
    assert.equal(a.id, b.id);
    assert.equal((await manager.whenDone(a.id)).phase, 'done');
    assert.deepEqual((await library.list()).models.map((m) => m.id), ['twice']);
    await assert.rejects(manager.start({ repo: 'acme/twice' }), /already in the library as "twice"/);
  });

  test('a download paused by a restart goes on where it stopped in the next run', async () => {
    hub.host('acme/restart', FIXTURE);
    hub.faults.cdnDelayMs = 150;
    const libraryDir = temporary('library');
    const first = setup({ libraryDir });
    const started = await first.manager.start({ repo: 'acme/restart' });
    const deadline = Date.now() + 10_000;
    while (!first.statuses.some((s) => s.files.some((f) => f.verified)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await first.manager.stopAll();
    assert.equal((await first.manager.whenDone(started.id)).phase, 'paused');
    const fetchedBefore = hub.requests.filter((r) => r.path.includes('/resolve/') || r.host === 'cdn').length;

    // A new run on the same library, as after the studio restarts.
    hub.requests.length = 0;
    hub.faults.cdnDelayMs = 0;
    const second = setup({ libraryDir });
    await second.manager.restore();
    const [restored] = second.manager.list();
    assert.equal(restored?.phase, 'paused');
    assert.ok(restored!.bytesDone > 0, 'what was fetched is counted');
    await second.manager.resume(restored!.id);
    const done = await second.manager.whenDone(restored!.id);
    assert.equal(done.phase, 'done', done.error ?? '');
    assert.ok(!hub.requests.some((r) => r.path.includes('/tree/')), 'the pinned listing is reused, not fetched again');
    assert.ok(hub.requests.length < fetchedBefore + done.files.length, 'finished files are not fetched again');
    assert.equal((await second.library.verify(done.id)).ok, true);
  });
});

describe('choosing the files of the diffusers ONNX layout', () => {
  const file = (path: string, size = 10, lfs = false): HubTreeEntry => ({ type: 'file', path, size, oid: 'a'.repeat(40), ...(lfs ? { lfs: { oid: 'b'.repeat(64), size } } : {}) });
  const tree = [
    file('model_index.json'),
    file('README.md'),
    file('scheduler/scheduler_config.json'),
    file('tokenizer/vocab.json'),
    file('tokenizer/merges.txt'),
    file('text_encoder/model.onnx', 100, true),
    file('unet/config.json'),
    file('unet/model.onnx', 100, true),
    file('unet/model.onnx_data', 1000, true),
    file('unet/model.fp16.onnx', 100, true),
    file('unet/model.fp16.onnx_data', 500, true),
    file('unet/diffusion_pytorch_model.safetensors', 2000, true),
    file('vae_decoder/model.onnx', 100, true),
    file('safety_checker/model.onnx', 100, true),
    file('feature_extractor/preprocessor_config.json'),
  ];

  test('takes the parts, scheduler and tokenizers; never PyTorch weights, the safety checker or the card', () => {
    const picked = selectFiles(tree, null, null).map((f) => f.localPath).sort();
    assert.deepEqual(picked, ['model_index.json', 'scheduler/scheduler_config.json', 'text_encoder/model.onnx', 'tokenizer/merges.txt', 'tokenizer/vocab.json', 'unet/config.json', 'unet/model.onnx', 'unet/model.onnx_data', 'vae_decoder/model.onnx']);
  });

  test('with the fp16 variant, the variant graph becomes model.onnx and keeps its own weights file', () => {
    const picked = selectFiles(tree, null, 'fp16').filter((f) => f.localPath.startsWith('unet/'));
    assert.deepEqual(picked.map((f) => [f.remotePath, f.localPath]).sort(), [
      ['unet/config.json', 'unet/config.json'],
      ['unet/model.fp16.onnx', 'unet/model.onnx'],
      ['unet/model.fp16.onnx_data', 'unet/model.fp16.onnx_data'],
    ]);
  });

  test('a subfolder is the model root; a repository without model_index.json or ONNX files is refused in words', () => {
    const nested = tree.map((e) => ({ ...e, path: `onnx/${e.path}` }));
    assert.ok(selectFiles(nested, 'onnx', null).some((f) => f.remotePath === 'onnx/unet/model.onnx' && f.localPath === 'unet/model.onnx'));
    assert.throws(() => selectFiles(nested, null, null), /no model_index\.json: .*give the subfolder/);
    assert.throws(() => selectFiles([file('model_index.json'), file('unet/diffusion_pytorch_model.safetensors')], null, null), /not an ONNX export/);
  });
});

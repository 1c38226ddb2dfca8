import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { DownloadStatus } from '../../app/contract/models';
import { DownloadManager } from '../../main/models/hub/download-manager';
import { fetchFollowing, type RetryPolicy } from '../../main/models/hub/hub-fetch';
import { selectFiles, type HubTreeEntry } from '../../main/models/hub/select-files';
import { ModelLibrary } from '../../main/models/model-library';
import { fixtureModels, temporary } from '../helpers/backend';
import { startHubServer, type HubServer } from '../helpers/hub-server';

const FIXTURE = join(fixtureModels, 'sd1-optimum');
const WEIGHTS = 'unet/model.onnx_data';
const weightsSize = statSync(join(FIXTURE, WEIGHTS)).size;
const sha256Of = (path: string) => createHash('sha256').update(readFileSync(join(FIXTURE, path))).digest('hex');

let hub: HubServer;

/** A downloader over a fresh library, talking to the loopback hub with quick retries. */
function setup(options: { token?: string; libraryDir?: string; retry?: RetryPolicy } = {}) {
  const library = new ModelLibrary({ dir: options.libraryDir ?? temporary('library'), readOnly: [] });
  const statuses: DownloadStatus[] = [];
  const manager = new DownloadManager({
    library,
    hub: { endpoint: hub.url, token: async () => options.token ?? null },
    onStatus: (status) => statuses.push(status),
    onInstalled: () => undefined,
    retry: options.retry ?? { attempts: 4, baseDelayMs: 10 },
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

function resetFaults() {
  hub.requests.length = 0;
  for (const fault of [hub.faults.dropAfter, hub.faults.corrupt, hub.faults.statuses, hub.faults.privateRepos, hub.faults.finAfter, hub.faults.silentAfter, hub.faults.wrongRange, hub.faults.extraBytes, hub.faults.redirect]) fault.clear();
  hub.faults.ignoreRange = false;
  hub.faults.cdnDelayMs = 0;
  hub.faults.listing = null;
}

describe('downloads from a Hugging Face hub (loopback)', () => {
  before(async () => {
    hub = await startHubServer(4);
  });
  after(() => hub.close());
  beforeEach(resetFaults);

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

describe('hostile and unlucky hubs: main survives, nothing outside the library is written', () => {
  before(async () => {
    hub = await startHubServer(4);
  });
  after(() => hub.close());
  beforeEach(resetFaults);

  test('a server closing the connection (FIN) while a body waits unread is a catchable error, not the end of main', async () => {
    // nodejs/undici#5360: Node's bundled fetch throws an uncatchable AssertionError from the socket's end handler here.
    const server = createNetServer((socket) =>
      socket.once('data', () => {
        socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${128 * 1024}\r\nConnection: close\r\n\r\n`);
        socket.write(Buffer.alloc(64 * 1024, 0x61));
        socket.end();
      }),
    );
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/file`;
    try {
      const response = await fetchFollowing(url, {}, new URL(url).origin, null);
      await new Promise((r) => setTimeout(r, 1000)); // a slow reader: the body waits under backpressure while the FIN arrives
      await assert.rejects(response.arrayBuffer(), /terminated|other side closed|length/i);
    } finally {
      server.close();
    }
  });

  test('a file whose server closes mid-body (FIN) resumes and verifies', async () => {
    hub.host('acme/fin', FIXTURE);
    hub.faults.finAfter.set(WEIGHTS, [64 * 1024, 1_000_000]);
    const { library, manager } = setup();
    const done = await download(manager, 'acme/fin');
    assert.equal(done.phase, 'done', done.error ?? '');
    const tries = hub.requests.filter((r) => r.host === 'cdn' && r.path.startsWith(`/blobs/${sha256Of(WEIGHTS)}`));
    assert.equal(tries.length, 3, 'two cut tries and the one that finished');
    // What arrived before the FIN is kept (bytes still buffered when it came may be lost): the last try continues it.
    assert.match(tries[2]!.range ?? '', /^bytes=\d+-$/);
    assert.equal((await library.verify('fin')).ok, true);
  });

  test('a transfer that goes silent is dropped after the read timeout and continued from where it stopped', async () => {
    hub.host('acme/stall', FIXTURE);
    hub.faults.silentAfter.set(WEIGHTS, [500_000]);
    const { library, manager } = setup({ retry: { attempts: 4, baseDelayMs: 10, readTimeoutMs: 300 } });
    const done = await download(manager, 'acme/stall');
    assert.equal(done.phase, 'done', done.error ?? '');
    const resumedAt = hub.requests.filter((r) => r.host === 'cdn' && r.range).map((r) => Number(/^bytes=(\d+)-$/.exec(r.range!)![1]));
    assert.ok(resumedAt.some((at) => at > 0 && at <= 500_000), `resumed at ${resumedAt.join(', ')}`);
    assert.equal((await library.verify('stall')).ok, true);
  });

  test('a redirect loop and a redirect to file:// fail at once, not after every retry', async () => {
    hub.host('acme/loop', FIXTURE);
    hub.faults.redirect.set('model_index.json', '/acme/loop/resolve/x/model_index.json?again');
    hub.faults.redirect.set('model_index.json', 'model_index.json');
    const looping = setup({ retry: { attempts: 6, baseDelayMs: 200 } });
    const asks = () => hub.requests.filter((r) => r.path.includes('/acme/loop/') && r.path.includes('model_index.json')).length;
    const loop = await download(looping.manager, 'acme/loop');
    assert.equal(loop.phase, 'failed');
    assert.match(loop.error ?? '', /More than 10 redirects/);
    // One try: the first ask and the redirects up to the limit; a retry would ask as many again.
    assert.ok(asks() >= 1 && asks() <= 12, `a permanent failure was retried: model_index.json was asked for ${asks()} times`);

    hub.host('acme/file', FIXTURE);
    hub.faults.redirect.set('model_index.json', 'file:///etc/passwd');
    const file = await download(setup({ retry: { attempts: 6, baseDelayMs: 200 } }).manager, 'acme/file');
    assert.equal(file.phase, 'failed');
    assert.match(file.error ?? '', /file: URL, which is never followed/);
    assert.equal(hub.requests.filter((r) => r.path.includes('acme/file/resolve') && r.path.endsWith('model_index.json')).length, 1);
  });

  test('a 206 whose Content-Range does not start where asked is refused and the file taken again from zero', async () => {
    hub.host('acme/range', FIXTURE);
    hub.faults.dropAfter.set(WEIGHTS, [300_000]);
    hub.faults.wrongRange.set(WEIGHTS, 1);
    const { library, manager } = setup();
    const done = await download(manager, 'acme/range');
    assert.equal(done.phase, 'done', done.error ?? '');
    assert.equal((await library.verify('range')).ok, true);
  });

  test('a body longer than the listing announces is refused as such', async () => {
    hub.host('acme/long', FIXTURE);
    hub.faults.extraBytes.set(WEIGHTS, 1000);
    const { manager, library } = setup();
    const failed = await download(manager, 'acme/long');
    assert.equal(failed.phase, 'failed');
    assert.match(failed.error ?? '', /unet\/model\.onnx_data: the server sent more than the \d+ bytes the hub lists/);
    await assertLibraryUntouched(library);
  });

  test('a listing with an impossible size fails the download in words; main and the restored downloads go on', async () => {
    hub.host('acme/negative', FIXTURE);
    hub.faults.listing = (entries) => entries.map((e) => (e.path === 'unet/model.onnx' ? { ...e, size: -5, lfs: { ...(e.lfs as object), size: -5 } } : e));
    const negative = setup();
    const failed = await download(negative.manager, 'acme/negative');
    assert.equal(failed.phase, 'failed');
    assert.match(failed.error ?? '', /impossible size \(-5\)/);
    hub.faults.listing = (entries) => entries.map((e) => (e.path === 'vae_decoder/model.onnx' ? { ...e, size: 1.5, lfs: { ...(e.lfs as object), size: 1.5 } } : e));
    assert.match((await download(setup().manager, 'acme/negative')).error ?? '', /impossible size \(1\.5\)/);
  });

  test('a listing path that climbs out of the model folder is refused before any byte is written', async () => {
    hub.host('acme/escape', FIXTURE);
    const root = temporary('escape');
    const victim = join(root, 'x', 'evil.txt');
    mkdirSync(dirname(victim), { recursive: true });
    writeFileSync(victim, 'precious');
    const libraryDir = join(root, 'a', 'b', 'models');
    for (const path of ['tokenizer/../../../../x/evil.txt', 'tokenizer/..\\..\\evil.txt', '/etc/evil.txt', 'tokenizer/C:evil.txt', 'tokenizer/a\u0000b']) {
      hub.faults.listing = (entries) => [...entries, { type: 'file', oid: 'a'.repeat(40), size: 8, path }];
      const { manager, library } = setup({ libraryDir });
      const failed = await download(manager, 'acme/escape');
      assert.equal(failed.phase, 'failed', path);
      assert.match(failed.error ?? '', /names a file outside the model's folder/);
      await assertLibraryUntouched(library);
    }
    assert.equal(readFileSync(victim, 'utf8'), 'precious');
    assert.deepEqual(readdirSync(root).sort(), ['a', 'x']);
  });

  test('a damaged or hostile download.json is reported and skipped; the other unfinished downloads are restored', async () => {
    hub.host('acme/kept', FIXTURE);
    hub.faults.cdnDelayMs = 150;
    const libraryDir = temporary('library');
    const first = setup({ libraryDir });
    const started = await first.manager.start({ repo: 'acme/kept' });
    const deadline = Date.now() + 10_000;
    while (!first.statuses.some((s) => s.phase === 'downloading') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await first.manager.stopAll();
    assert.equal((await first.manager.whenDone(started.id)).phase, 'paused');
    const record = JSON.parse(readFileSync(join(libraryDir, '.download-kept', 'download.json'), 'utf8')) as { request: { id: string }; files: { size: number; localPath: string }[] };
    // Written beside it, as a crash, an editor or another program might leave them ("." sorts first, so they are read first).
    const write = (id: string, text: string) => {
      mkdirSync(join(libraryDir, `.download-${id}`), { recursive: true });
      writeFileSync(join(libraryDir, `.download-${id}`, 'download.json'), text);
    };
    write('a-broken', '{"request": ');
    write('a-negative', JSON.stringify({ ...record, request: { ...record.request, id: 'a-negative' }, files: record.files.map((f) => ({ ...f, size: -1 })) }));
    write('a-escape', JSON.stringify({ ...record, request: { ...record.request, id: 'a-escape' }, files: [{ ...record.files[0]!, localPath: '../../escape' }] }));
    write('a-deep', `${'['.repeat(50_000)}${']'.repeat(50_000)}`);
    const second = setup({ libraryDir });
    const problems = await second.manager.restore();
    assert.deepEqual(second.manager.list().map((s) => [s.id, s.phase]), [['kept', 'paused']]);
    assert.equal(problems.length, 4, problems.join('\n'));
    assert.match(problems.join('\n'), /\.download-a-deep\/download\.json cannot be read \(nests deeper than 64 levels\)/);
    hub.faults.cdnDelayMs = 0;
    await second.manager.resume('kept');
    assert.equal((await second.manager.whenDone('kept')).phase, 'done');
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

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { DownloadStatus } from '../../app/contract/models';
import { StudioError } from '../../app/rpc/errors';
import type { StudioBackend } from '../../main/core/studio-backend';
import { startBrowserServer, type BrowserServer } from '../../main/server/browser-server';
import { browserBackend, fixtureModels, temporary } from '../helpers/backend';
import { startHubServer, type HubServer } from '../helpers/hub-server';
import { builtPaths, requireBuild } from '../helpers/paths';
import { connectStudioSocket } from '../helpers/socket-client';
import { waitFor } from '../helpers/wait';

const code = (expected: string) => (e: unknown) => e instanceof StudioError && e.code === expected;

// The model manager through the whole chain, as the Models panel drives it: typed client → WebSocket → main.
describe('the model manager over the contract', () => {
  const libraryDir = temporary('library');
  const hubTokenFile = join(temporary('home'), 'hub-token');
  let hub: HubServer;
  let backend: StudioBackend;
  let server: BrowserServer;
  let studio: Awaited<ReturnType<typeof connectStudioSocket>>;

  before(async () => {
    requireBuild();
    hub = await startHubServer();
    backend = browserBackend({ libraryDir, hubTokenFile, env: { HF_ENDPOINT: hub.url } });
    server = await startBrowserServer({ backend, rendererDir: builtPaths.rendererDir, galleryDir: temporary('gallery'), host: '127.0.0.1', port: 0 });
    studio = await connectStudioSocket(server.port, server.token);
  });
  after(async () => {
    studio.close();
    await server.close();
    await backend.stop();
    await hub.close();
  });

  test('a download reports progress to every window, lands verified, and the model generates by id', async () => {
    hub.host('acme/contract-sd', join(fixtureModels, 'sd1-optimum'));
    hub.faults.cdnDelayMs = 30;
    const events: DownloadStatus[] = [];
    let changed = 0;
    const offProgress = studio.client.on('models.download', (s) => events.push(s));
    const offChanged = studio.client.on('models.changed', () => changed++);
    const started = await studio.client.call('models.download', { repo: 'acme/contract-sd' });
    assert.equal(started.id, 'contract-sd');
    await waitFor('the download to finish', () => events.find((e) => e.phase === 'done' || e.phase === 'failed'));
    await waitFor('the library change to be told', () => changed > 0);
    offProgress();
    offChanged();
    assert.equal(events.at(-1)?.phase, 'done', events.at(-1)?.error ?? '');
    const bytes = events.filter((e) => e.phase === 'downloading').map((e) => e.bytesDone);
    assert.ok(bytes.length > 1 && bytes.every((b, i) => i === 0 || b >= bytes[i - 1]!), 'progress only grows');
    assert.deepEqual((await studio.client.call('models.downloads', {})).map((d) => [d.id, d.phase]), [['contract-sd', 'done']]);

    const { models } = await studio.client.call('models.list', {});
    const entry = models.find((m) => m.id === 'contract-sd');
    assert.deepEqual([entry?.family, entry?.problem, entry?.managed, entry?.source.kind], ['sd1', null, true, 'hub']);
    const catalog = await studio.client.call('models.catalog', {});
    assert.ok(catalog.length >= 5 && catalog.every((c) => c.installedId === null));

    const result = await studio.client.call('generate', { jobId: 'by-id', settings: { model: 'contract-sd', prompt: 'a red star', seed: 2, steps: 2, width: 64, height: 64 } });
    assert.equal(result.images.length, 1);
    assert.ok((await studio.client.call('models.list', {})).models.find((m) => m.id === 'contract-sd')?.lastUsedAt);
  });

  test('a model in use cannot be removed; once idle it is unloaded and removed', async () => {
    // Asked from the first step's event, so the run is surely still going.
    let refusal: Promise<unknown> | undefined;
    const off = studio.client.on('generation.progress', (p) => {
      if (p.jobId === 'long' && refusal === undefined) refusal = studio.client.call('models.remove', { id: 'contract-sd' }).then(() => 'removed', (e: unknown) => e);
    });
    const running = studio.client.call('generate', { jobId: 'long', settings: { model: 'contract-sd', prompt: 'x', seed: 1, steps: 30, width: 64, height: 64 } });
    await waitFor('a step of the generation', () => (refusal ? 'asked' : undefined));
    assert.ok(code('model-in-use')(await refusal), 'refused while in use');
    await running;
    off();
    assert.deepEqual(await studio.client.call('models.remove', { id: 'contract-sd' }), { removed: true });
    assert.deepEqual(readdirSync(libraryDir).filter((f) => !f.startsWith('.') && f !== 'library.json'), []);
    await assert.rejects(studio.client.call('generate', { jobId: 'gone', settings: { model: 'contract-sd', prompt: 'x', seed: 1 } }), code('unknown-model'));
  });

  test('read-only models cannot be removed or renamed; a broken import names the file; ids are never paths', async () => {
    await assert.rejects(studio.client.call('models.remove', { id: 'sd1-optimum' }), code('not-managed'));
    await assert.rejects(studio.client.call('models.rename', { id: 'sd1-optimum', name: 'x' }), code('not-managed'));
    await assert.rejects(studio.client.call('models.import', { path: join(fixtureModels, '..', 'probe') }), (e: unknown) => e instanceof StudioError && e.code === 'invalid-import' && /model_index\.json/.test(e.message));
    await assert.rejects(studio.client.call('generate', { jobId: 'path', settings: { model: join(fixtureModels, 'sd1-optimum'), prompt: 'x', seed: 1 } }), code('invalid-input'));
    const imported = await studio.client.call('models.import', { path: join(fixtureModels, 'sd1-sdpa'), name: 'SDPA copy' });
    assert.deepEqual([imported.id, imported.name, imported.family], ['sd1-sdpa-2', 'SDPA copy', 'sd1']);
    const listing = await studio.client.call('models.setDefault', { id: 'sd1-sdpa-2' });
    assert.equal(listing.defaultId, 'sd1-sdpa-2');
  });

  test('the hub token is stored readable by the user only and never sent back', async () => {
    assert.equal((await studio.client.call('hub.token', {})).source, 'none');
    const status = await studio.client.call('hub.token.set', { token: 'hf_contract_secret' });
    assert.deepEqual(status, { source: 'stored', storage: 'private-file', endpoint: hub.url });
    assert.ok(!JSON.stringify(status).includes('hf_contract_secret'));
    assert.equal(statSync(hubTokenFile).mode & 0o777, 0o600);
    assert.equal(readFileSync(hubTokenFile, 'utf8'), 'hf_contract_secret');
    await assert.rejects(studio.client.call('hub.token.set', { token: 'has spaces in it' }), code('invalid-input'));

    hub.host('acme/private-sd', join(fixtureModels, 'sd1-static'));
    hub.faults.privateRepos.set('acme/private-sd', 'hf_contract_secret');
    hub.faults.cdnDelayMs = 0;
    hub.requests.length = 0;
    const started = await studio.client.call('models.download', { repo: 'acme/private-sd' });
    const done = await backend.downloads.whenDone(started.id);
    assert.equal(done.phase, 'done', done.error ?? '');
    assert.ok(hub.requests.some((r) => r.host === 'hub' && r.authorization === 'Bearer hf_contract_secret'));
    assert.ok(hub.requests.filter((r) => r.host === 'cdn').every((r) => r.authorization === undefined));
    assert.equal((await studio.client.call('hub.token.set', { token: null })).source, 'none');
  });
});

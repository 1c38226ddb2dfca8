import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { deflateSync } from 'node:zlib';
import { encode } from 'fast-png';
import WebSocket from 'ws';
import { emptyDocument } from '../../app/document/document';
import { StudioError } from '../../app/rpc/errors';
import { MARKER_FILES } from '../../main/core/folder-rules';
import type { StudioBackend } from '../../main/core/studio-backend';
import { encodePng } from '../../main/images/png';
import { ASSET_CHUNK_CHARS } from '../../main/assets/asset-store';
import { startBrowserServer, type BrowserServer } from '../../main/server/browser-server';
import { browserBackend, temporary } from '../helpers/backend';
import { builtPaths, repoRoot, requireBuild } from '../helpers/paths';
import { connectStudioSocket } from '../helpers/socket-client';
import { zipOf } from '../helpers/zip';
import { waitFor } from '../helpers/wait';

const code = (expected: string, message?: RegExp) => (e: unknown) => e instanceof StudioError && e.code === expected && (!message || message.test(e.message + JSON.stringify(e.issues ?? [])));
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** A PNG chunk with its CRC. */
function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeInt32BE(0, 8 + data.length); // fast-png and the studio check structure, not CRCs
  return out;
}

/** A PNG whose header says 64x64 RGB but whose image data inflates to `inflated` bytes. */
function pngBomb(inflated: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(64, 0);
  header.writeUInt32BE(64, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.alloc(inflated))), chunk('IEND', Buffer.alloc(0))]);
}

/** A valid PNG with a zTXt chunk that inflates to `inflated` bytes before its image data, and a `parameters` chunk. */
function pngWithTextBomb(inflated: number): Buffer {
  const png = encodePng(8, 8, new Uint8Array(8 * 8 * 3), { parameters: 'a red star\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 1, Size: 8x8' });
  const bomb = chunk('zTXt', Buffer.concat([Buffer.from('comment\0\0', 'latin1'), deflateSync(Buffer.alloc(inflated, 0x61))]));
  return Buffer.concat([png.subarray(0, 33), bomb, png.subarray(33)]);
}

// Main as an unlucky or hostile user meets it: the real backend and inference process behind the browser-mode server.
describe('main never dies on bad input, and hurts nothing outside its folders', () => {
  const dataDir = temporary('home');
  const libraryDir = join(dataDir, 'models');
  const galleryDir = join(dataDir, 'gallery');
  const projectsDir = join(dataDir, 'projects');
  let backend: StudioBackend;
  let server: BrowserServer;
  let studio: Awaited<ReturnType<typeof connectStudioSocket>>;

  before(async () => {
    requireBuild();
    mkdirSync(projectsDir, { recursive: true });
    mkdirSync(galleryDir, { recursive: true });
    // What a crash during a save leaves: removed when main starts.
    writeFileSync(join(projectsDir, 'mine.wbproj.1a2b3c4d.partial'), 'half a save');
    // A library someone also keeps other folders in.
    mkdirSync(join(libraryDir, 'projects'), { recursive: true });
    writeFileSync(join(libraryDir, 'projects', 'precious.txt'), 'keep me');
    backend = browserBackend({ dataDir, libraryDir, galleryDir, projectsDir, settings: true });
    server = await startBrowserServer({ backend, rendererDir: builtPaths.rendererDir, galleryDir, host: '127.0.0.1', port: 0 });
    studio = await connectStudioSocket(server.port, server.token);
  });
  after(async () => {
    studio.close();
    await server.close();
    await backend.stop();
  });

  test('a crash leftover of a project save is removed at start', async () => {
    await waitFor('the leftover to be removed', () => readdirSync(projectsDir).length === 0);
  });

  test('system folders, a home folder, the data folder, its parents and overlapping folders are refused as library or gallery', async () => {
    const refused: [string, string, RegExp][] = [
      ['libraryDir', '/', /is a system folder/],
      ['libraryDir', '/etc', /is a system folder/],
      ['galleryDir', '/proc', /is a system folder/],
      ['libraryDir', '/usr/share/doc', /is a system folder/],
      ['libraryDir', homedir(), /is a home folder|is a system folder/],
      ['libraryDir', dataDir, /holds the studio's data folder/],
      ['galleryDir', dirname(dataDir), /holds the studio's data folder|is a system folder/],
      ['libraryDir', galleryDir, /overlaps another folder the studio manages/],
      ['galleryDir', join(libraryDir, 'results'), /overlaps another folder the studio manages/],
      ['libraryDir', projectsDir, /overlaps another folder the studio manages/],
      ['galleryDir', join(dataDir, 'elsewhere'), /inside the studio's data folder/],
    ];
    const busy = temporary('documents');
    mkdirSync(join(busy, 'Documents'));
    refused.push(['libraryDir', busy, /already holds other files/]);
    for (const [field, folder, reason] of refused) {
      await assert.rejects(studio.client.call('settings.set', { [field]: folder }), code('invalid-input', reason), `${field} = ${folder}`);
    }
    assert.ok(!existsSync(join(busy, MARKER_FILES.library)), 'a refused folder is not written');
    assert.deepEqual((await studio.client.call('settings.get', {})).settings.libraryDir, null);

    // A new folder, an empty one and one the studio marked before are taken, and marked.
    const fresh = join(temporary('fresh'), 'library');
    assert.equal((await studio.client.call('settings.set', { libraryDir: fresh })).settings.libraryDir, fresh);
    assert.ok(existsSync(join(fresh, MARKER_FILES.library)));
    const empty = temporary('empty');
    assert.equal((await studio.client.call('settings.set', { galleryDir: empty })).settings.galleryDir, empty);
    writeFileSync(join(fresh, 'library.json'), '{}');
    assert.equal((await studio.client.call('settings.set', { libraryDir: fresh })).settings.libraryDir, fresh, 'a marked library is taken back');
  });

  test('only folders with model_index.json are models: others are not listed, written or removed', async () => {
    const { models } = await studio.client.call('models.list', {});
    assert.ok(!models.some((m) => m.id === 'projects'));
    assert.deepEqual(readdirSync(join(libraryDir, 'projects')), ['precious.txt'], 'no manifest written into it');
    await assert.rejects(studio.client.call('models.remove', { id: 'projects' }), code('unknown-model'));
    assert.equal(readFileSync(join(libraryDir, 'projects', 'precious.txt'), 'utf8'), 'keep me');
  });

  test('importing a folder that is not a model is refused in words before anything is copied', async () => {
    const loop = join(temporary('loop'), 'self');
    symlinkSync(loop, loop);
    const cases: [string, RegExp][] = [
      ['/', /\/ holds the model library itself/],
      ['/usr/share/doc', /\/usr\/share\/doc is not a diffusers model: it has no model_index\.json/],
      [dataDir, /holds the model library itself/],
      [loop, /is a link that leads back to itself/],
    ];
    for (const [path, reason] of cases) await assert.rejects(studio.client.call('models.import', { path }), code('invalid-import', reason), path);
    assert.deepEqual(readdirSync(libraryDir).filter((f) => f.startsWith('.')), [], 'no work folder left behind');
  });

  test('a project nested 50,000 deep, and one stuffed with junk entries, are refused in words; main goes on', async () => {
    const project = (panel: string) => `{"format":"wordbrush-project","version":1,"savedAt":"","document":${JSON.stringify(emptyDocument(64, 64))},"panel":${panel}}`;
    writeFileSync(join(projectsDir, 'deep.wbproj'), await zipOf({ 'project.json': project(nested(50_000)) }));
    await assert.rejects(studio.client.call('projects.open', { name: 'deep' }), code('project-error', /nests deeper than 64 levels/));
    const junk: Record<string, string> = { 'project.json': project('null') };
    for (let i = 0; i < 15; i++) junk[`junk/${i}.bin`] = 'x'.repeat(4 * 2 ** 20);
    writeFileSync(join(projectsDir, 'junk.wbproj'), await zipOf(junk));
    assert.deepEqual((await studio.client.call('projects.open', { name: 'junk' })).panel, null, 'entries that are not the project are skipped unread');
    const bomb = await zipOf({ 'project.json': project('null'), 'assets/asset_a.png': 'x'.repeat(8 * 2 ** 20) });
    writeFileSync(join(projectsDir, 'bomb.wbproj'), bomb);
    await assert.rejects(studio.client.call('projects.open', { name: 'bomb' }), code('project-error', /inflates \d+ times its stored size/));
    assert.equal((await studio.client.call('app.ping', { nonce: 'still here' })).nonce, 'still here');
  });

  test('a deeply nested value sent in is refused at the edge, never kept', async () => {
    let panel: unknown = 'bottom';
    for (let i = 0; i < 1000; i++) panel = [panel];
    await assert.rejects(studio.client.call('projects.save', { name: 'nested', document: emptyDocument(64, 64), assets: {}, panel: panel as never }), code('invalid-input', /nests deeper than 64 levels/));
    assert.ok(!existsSync(join(projectsDir, 'nested.wbproj')));
  });

  test("a project is named as a person names it; a name that would leave the projects folder, or hide, is refused in words about project names", async () => {
    const name = 'Castle at dawn (v2)';
    await studio.client.call('projects.save', { name, document: emptyDocument(64, 64), assets: {}, panel: null });
    assert.ok(existsSync(join(projectsDir, `${name}.wbproj`)));
    assert.ok((await studio.client.call('projects.list', {})).some((p) => p.name === name));
    for (const bad of ['../outside', '.hidden', 'a/b', 'trailing dot.', 'trailing space ']) {
      await assert.rejects(studio.client.call('projects.save', { name: bad, document: emptyDocument(64, 64), assets: {}, panel: null }), code('invalid-input', /A project name is letters, digits, spaces/), bad);
    }
  });

  test('a gallery PNG with a deeply nested record or a text chunk bomb lists quickly, its good chunks read', async () => {
    const record = encodePng(8, 8, new Uint8Array(8 * 8 * 3), { wordbrush: nested(50_000), parameters: 'a cat\nSteps: 4, Sampler: Euler, CFG scale: 7, Seed: 5, Size: 8x8' });
    writeFileSync(join(galleryDir, 'deep-record.png'), record);
    const deep = await studio.client.call('gallery.get', { id: 'deep-record' });
    assert.equal(deep.wordbrush, null);
    assert.match(deep.parameters ?? '', /^a cat/);
    writeFileSync(join(galleryDir, 'text-bomb.png'), pngWithTextBomb(64 * 2 ** 20));
    const bombed = await studio.client.call('gallery.get', { id: 'text-bomb' });
    assert.match(bombed.parameters ?? '', /^a red star/);
  });

  test('a PNG whose image data inflates past its header is refused as an asset and gets no thumbnail', async () => {
    const bomb = pngBomb(64 * 2 ** 20);
    assert.ok(bomb.length < 200_000);
    await assert.rejects(studio.client.call('assets.upload', { upload: 'bomb', offset: 0, total: bomb.length, data: bomb.toString('base64') }), code('invalid-asset', /inflates past the 12352 bytes its 64x64 header allows/));
    writeFileSync(join(galleryDir, 'bomb.png'), bomb);
    const page = await studio.client.call('gallery.list', { before: null, limit: 50 });
    assert.equal(page.items.find((i) => i.id === 'bomb')?.thumbnail, false);
  });

  test('main answers while a large image is checked (the decoding runs off its event loop)', async () => {
    // 2400x2400 16-bit RGB: seconds of decoding, which on main's thread would hold every other call back.
    const [width, height] = [2400, 2400];
    const data = new Uint16Array(width * height * 3);
    for (let p = 0; p < width * height; p++) data.fill((p * 37) & 0xffff, p * 3, p * 3 + 3);
    const png = Buffer.from(encode({ width, height, data, depth: 16, channels: 3 }));
    const base64 = png.toString('base64');
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${encodeURIComponent(server.token)}`);
    await new Promise((resolve) => ws.once('open', resolve));
    const answers = new Map<number, (reply: { ok: boolean }) => void>();
    ws.on('message', (raw) => {
      const message = JSON.parse(raw.toString()) as { kind: string; id: number; ok: boolean };
      if (message.kind === 'result') answers.get(message.id)?.(message);
    });
    const send = (id: number, method: string, input: unknown) =>
      new Promise<{ ok: boolean }>((done) => {
        answers.set(id, done);
        ws.send(JSON.stringify({ kind: 'call', id, method, input }));
      });
    let offset = 0;
    const pieces = Array.from({ length: Math.ceil(base64.length / ASSET_CHUNK_CHARS) }, (_, i) => base64.slice(i * ASSET_CHUNK_CHARS, (i + 1) * ASSET_CHUNK_CHARS));
    for (const [i, piece] of pieces.slice(0, -1).entries()) {
      assert.equal((await send(100 + i, 'assets.upload', { upload: 'large', offset, total: png.length, data: piece })).ok, true);
      offset += Buffer.from(piece, 'base64').length;
    }
    // The last chunk sets off the check; a ping sent right behind it must not wait for the check to end.
    const answered: string[] = [];
    const noted = (name: string, reply: Promise<{ ok: boolean }>) => reply.then((r) => (answered.push(name), r));
    const [check] = await Promise.all([noted('check', send(1, 'assets.upload', { upload: 'large', offset, total: png.length, data: pieces.at(-1) })), noted('ping', send(2, 'app.ping', { nonce: 'during' }))]);
    ws.close();
    assert.equal(check.ok, true);
    // Had main decoded the image itself, the ping, sent after it, could only be answered after it.
    assert.deepEqual(answered, ['ping', 'check']);
  });

  test('a window cancels only its own generations, and its uploads are its own', async () => {
    const other = await connectStudioSocket(server.port, server.token);
    try {
      const running = studio.client.call('generate', { jobId: 'mine', settings: { model: 'sd1-optimum', prompt: 'a red star', seed: 1, steps: 12, width: 64, height: 64 } });
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(await other.client.call('generate.cancel', { jobId: 'mine' }), { cancelled: false });
      const done = await running;
      assert.equal(done.images.length, 1, 'the generation finished');

      // Eight uploads left open by one window do not stop another's.
      const png = encodePng(4, 4, new Uint8Array(4 * 4 * 3));
      const half = png.subarray(0, 12).toString('base64');
      for (let i = 0; i < 8; i++) await other.client.call('assets.upload', { upload: `open-${i}`, offset: 0, total: png.length, data: half });
      await assert.rejects(other.client.call('assets.upload', { upload: 'ninth', offset: 0, total: png.length, data: half }), code('busy'));
      const mine = await studio.client.call('assets.upload', { upload: 'mine', offset: 0, total: png.length, data: png.toString('base64') });
      assert.match(mine.asset ?? '', /^asset_/);
    } finally {
      other.close();
    }
  });
});

describe('a gallery remembers an image it could not thumbnail', () => {
  test('a broken image is decoded once, not on every listing', async () => {
    const { Gallery } = await import('../../main/gallery/gallery');
    const dir = temporary('gallery');
    writeFileSync(join(dir, 'broken.png'), pngBomb(1 << 20));
    let tries = 0;
    const gallery = new Gallery(dir, async () => {
      tries++;
      throw new Error('cannot decode');
    });
    for (let i = 0; i < 3; i++) assert.equal((await gallery.list(null, 10)).items[0]?.thumbnail, false);
    assert.equal(tries, 1);
  });

  test('.trash and .thumbs that are links are replaced, never followed', async () => {
    const { Gallery } = await import('../../main/gallery/gallery');
    const dir = temporary('gallery');
    const elsewhere = temporary('elsewhere');
    writeFileSync(join(elsewhere, 'precious.txt'), 'keep me');
    symlinkSync(elsewhere, join(dir, '.trash'));
    symlinkSync(elsewhere, join(dir, '.thumbs'));
    writeFileSync(join(dir, 'image.png'), encodePng(4, 4, new Uint8Array(48)));
    const gallery = new Gallery(dir);
    await gallery.list(null, 10);
    await gallery.trash('image');
    await gallery.emptyTrash();
    assert.deepEqual(readdirSync(elsewhere), ['precious.txt']);
  });
});

describe("main's last resort", () => {
  test('an unhandled rejection and an uncaught exception are logged and the process goes on', () => {
    // In a process of its own: the test runner has handlers of its own for both.
    const script = [
      "const { keepServingOnUncaughtErrors } = require('./main/core/last-resort.ts');",
      'keepServingOnUncaughtErrors((m) => console.log(m.split("\\n")[0]));',
      "void Promise.reject(new Error('nobody awaited this'));",
      "setImmediate(() => { throw new Error('thrown from a callback'); });",
      "setTimeout(() => console.log('still serving'), 100);",
    ].join('\n');
    const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: repoRoot, encoding: 'utf8', timeout: 30_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(run.stdout.trim().split('\n').sort(), [
      'Wordbrush: an uncaught exception was caught and main goes on: Error: thrown from a callback',
      'Wordbrush: an unhandled rejection was caught and main goes on: Error: nobody awaited this',
      'still serving',
    ]);
  });
});

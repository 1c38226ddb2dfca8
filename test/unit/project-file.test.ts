import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { AssetId, assetsOf, emptyDocument, LayerId, type CanvasDocument } from '../../app/document/document';
import { defaultRunSettings, type RunSettings } from '../../app/document/run-settings';
import { encodePng } from '../../main/images/png';
import { PROJECT_LIMITS, ProjectError, readProject, writeProject } from '../../main/projects/project-file';
import { temporary } from '../helpers/backend';
import { bytesZipOf, storedSizeOf, withDeclaredSizes, zipOf } from '../helpers/zip';
import { flipByte } from '../helpers/bytes';
import { everyKind } from '../helpers/documents';

const tinyPng = (shade: number) => new Uint8Array(encodePng(4, 4, new Uint8Array(48).fill(shade)));
const fullProject = () => {
  const document: CanvasDocument = { ...emptyDocument(640, 512), layers: everyKind };
  const assets = new Map(assetsOf(document).map((a, i) => [a, tinyPng(i * 40)]));
  const panel: RunSettings = {
    ...defaultRunSettings(7),
    prompt: 'a cat left of a dog',
    negativePrompt: 'blurry',
    model: 'starter',
    overrides: { steps: 12, cfgScale: 4.5, sampler: 'euler', width: 640, height: 512 },
    schedule: 'karras',
    newSeedEachRun: false,
    batchCount: 3,
    provider: 'cpu',
    startFrom: { layer: LayerId.parse('layer_photo'), strength: 0.4 },
  };
  return { document, assets, panel };
};


describe('project files', () => {
  test('round trip: the document, every asset and the panel come back exactly', async () => {
    const path = join(temporary('projects'), 'scene.wbproj');
    const project = fullProject();
    await writeProject(path, project);
    const back = await readProject(path);
    assert.deepEqual(back.document, project.document);
    assert.deepEqual(back.panel, project.panel);
    assert.deepEqual([...back.assets.keys()].sort(), [...project.assets.keys()].sort());
    for (const [id, bytes] of project.assets) assert.deepEqual(Buffer.from(back.assets.get(id)!), Buffer.from(bytes));
  });

  test('settings that no longer parse (an older panel, a hand edit) are dropped; the document still opens', async () => {
    const dir = temporary('projects');
    const document = emptyDocument(64, 64);
    for (const [name, panel] of [['old', { prompt: 'a cat', seed: 7 }], ['edited', { ...defaultRunSettings(1), batchCount: 'many' }], ['none', null]] as const) {
      writeFileSync(join(dir, `${name}.wbproj`), await zipOf({ 'project.json': JSON.stringify({ format: 'wordbrush-project', version: 1, savedAt: '', document, panel }) }));
      const back = await readProject(join(dir, `${name}.wbproj`));
      assert.deepEqual([back.document, back.panel], [document, null], name);
    }
  });

  test('an asset that is not a PNG is refused in words, naming it', async () => {
    const dir = temporary('projects');
    const document: CanvasDocument = { ...emptyDocument(), layers: [everyKind[0]!] };
    const [asset] = assetsOf(document);
    writeFileSync(join(dir, 'fake.wbproj'), await zipOf({ 'project.json': JSON.stringify({ format: 'wordbrush-project', version: 1, savedAt: '', document, panel: null }), [`assets/${asset}.png`]: 'GIF89a, not a PNG' }));
    await assert.rejects(readProject(join(dir, 'fake.wbproj')), (e: unknown) => e instanceof ProjectError && e.reason === 'corrupt' && e.message.includes(`${asset}.png`));
  });

  test('damage at any byte of a small project is a ProjectError or a valid project, never a crash', async () => {
    const dir = temporary('projects');
    const path = join(dir, 'small.wbproj');
    const document: CanvasDocument = { ...emptyDocument(), layers: [everyKind[0]!] };
    await writeProject(path, { document, assets: new Map([[AssetId.parse('asset_photo'), tinyPng(9)]]), panel: null });
    const original = readFileSync(path);
    const damaged = join(dir, 'damaged.wbproj');
    const outcomes = { refused: 0, read: 0 };
    for (let at = 0; at < original.length; at++) {
      writeFileSync(damaged, flipByte(Buffer.from(original), at));
      try {
        await readProject(damaged);
        outcomes.read++;
      } catch (error) {
        assert.ok(error instanceof ProjectError, `byte ${at}: ${(error as Error).name}: ${(error as Error).message}`);
        outcomes.refused++;
      }
    }
    assert.ok(outcomes.refused > original.length / 2, JSON.stringify(outcomes));
  });

  test('a newer project or document version, or a file that is not a project, is refused in words', async () => {
    const dir = temporary('projects');
    const newer = join(dir, 'newer.wbproj');
    writeFileSync(newer, await zipOf({ 'project.json': JSON.stringify({ format: 'wordbrush-project', version: 2, savedAt: '', document: {}, panel: null }) }));
    await assert.rejects(readProject(newer), (e: unknown) => e instanceof ProjectError && e.reason === 'newer-version' && /saved by a newer Wordbrush \(project version 2/.test(e.message));
    const newerDocument = join(dir, 'newer-document.wbproj');
    writeFileSync(newerDocument, await zipOf({ 'project.json': JSON.stringify({ format: 'wordbrush-project', version: 1, savedAt: '', document: { version: 3 }, panel: null }) }));
    await assert.rejects(readProject(newerDocument), { reason: 'newer-version' });
    const text = join(dir, 'notes.wbproj');
    writeFileSync(text, 'just text');
    await assert.rejects(readProject(text), { reason: 'corrupt' });
    await assert.rejects(readProject(join(dir, 'missing.wbproj')), { reason: 'unreadable' });
  });

  test('a file that is no project, or a damaged one, is refused naming what is wrong', async () => {
    const dir = temporary('projects');
    const write = async (name: string, entries: Record<string, string>) => {
      writeFileSync(join(dir, name), await zipOf(entries));
      return join(dir, name);
    };
    const refused = async (path: string, reason: string, message: RegExp) => assert.rejects(readProject(path), (e: unknown) => e instanceof ProjectError && e.name === 'ProjectError' && e.reason === reason && message.test(e.message));
    await refused(await write('empty.wbproj', { 'notes.txt': 'hello' }), 'corrupt', /^empty\.wbproj is not a Wordbrush project \(no project\.json\)$/);
    await refused(await write('broken.wbproj', { 'project.json': '{"format":' }), 'corrupt', /^broken\.wbproj is damaged: its project\.json \S/);
    await refused(await write('other.wbproj', { 'project.json': '{"format":"krita"}' }), 'corrupt', /^other\.wbproj is not a Wordbrush project \(format: /);
    await refused(await write('array.wbproj', { 'project.json': '[]' }), 'corrupt', /^array\.wbproj is not a Wordbrush project \(format: /);
    const { document } = fullProject();
    await refused(await write('lost.wbproj', { 'project.json': JSON.stringify({ format: 'wordbrush-project', version: 1, savedAt: '', document, panel: null }) }), 'corrupt', /^lost\.wbproj is damaged: the image asset_\w+ is missing$/);
    await refused(await write('bad-document.wbproj', { 'project.json': JSON.stringify({ format: 'wordbrush-project', version: 1, savedAt: '', document: { version: 1, layers: 'none' }, panel: null }) }), 'corrupt', /^bad-document\.wbproj: /);
    mkdirSync(join(dir, 'folder.wbproj'));
    await refused(join(dir, 'folder.wbproj'), 'unreadable', /folder\.wbproj cannot be read \(EISDIR\)$/);
    await refused(join(dir, 'missing.wbproj'), 'unreadable', /missing\.wbproj cannot be read \(ENOENT\)$/);
    writeFileSync(join(dir, 'text.wbproj'), 'just text');
    await refused(join(dir, 'text.wbproj'), 'corrupt', /^text\.wbproj is damaged: \S/);
  });

  test("a zip bomb is refused by what it declares, before anything is inflated: entries, each entry's size, the total, the ratio", async () => {
    const dir = temporary('projects');
    const MiB = 1024 * 1024;
    const manifest = JSON.stringify({ format: 'wordbrush-project', version: 1, savedAt: '', document: emptyDocument(64, 64), panel: null });
    const refused = async (name: string, zip: Buffer, message: RegExp) => {
      writeFileSync(join(dir, name), zip);
      await assert.rejects(readProject(join(dir, name)), (e: unknown) => e instanceof ProjectError && e.reason === 'corrupt' && message.test(e.message));
    };
    const opens = async (name: string, zip: Buffer) => {
      writeFileSync(join(dir, name), zip);
      assert.deepEqual((await readProject(join(dir, name))).document, emptyDocument(64, 64));
    };
    const many = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`assets/a${i}.png`, new Uint8Array(1)]));
    await refused('many.wbproj', await bytesZipOf({ 'project.json': Buffer.from(manifest), ...many }), /is damaged: too many entries$/);
    await opens('just-enough.wbproj', await bytesZipOf({ 'project.json': Buffer.from(manifest), ...Object.fromEntries(Object.entries(many).slice(1)) }));
    // Entries that are no part of a project are skipped unread, whatever they declare.
    const stray = await bytesZipOf({ 'project.json': Buffer.from(manifest), 'junk/project.json': new Uint8Array(8), 'assets/a.png.bak': new Uint8Array(8), 'assets/': new Uint8Array(0) });
    await opens('stray.wbproj', withDeclaredSizes(stray, { 'junk/project.json': 4000 * MiB, 'assets/a.png.bak': 4000 * MiB }));
    const small = await bytesZipOf({ 'project.json': Buffer.from(manifest), 'assets/big.png': new Uint8Array(8) });
    await refused('manifest.wbproj', withDeclaredSizes(small, { 'project.json': 16 * MiB + 1 }), /: project\.json is too large$/);
    await refused('asset.wbproj', withDeclaredSizes(small, { 'assets/big.png': 64 * MiB + 1 }), /: assets\/big\.png is too large$/);
    // Honest entries within each bound pass the total: three of 1 MiB against a total of 2.5 (the real 512 MiB would take as much memory to test).
    const parts = Object.fromEntries(Array.from({ length: 3 }, (_, i) => [`assets/p${i}.png`, randomBytes(MiB)]));
    writeFileSync(join(dir, 'total.wbproj'), await bytesZipOf({ 'project.json': Buffer.from(manifest), ...parts }));
    const within = { ...PROJECT_LIMITS, totalBytes: 2.5 * MiB };
    await assert.rejects(readProject(join(dir, 'total.wbproj'), within), (e: unknown) => e instanceof ProjectError && /: assets\/p2\.png is too large$/.test(e.message));
    await readProject(join(dir, 'total.wbproj'), { ...within, totalBytes: 3 * MiB + manifest.length });
    // At each bound exactly, not refused for it (the declared size then fails the reader's own check, or the ratio's).
    const notFor = async (name: string, zip: Buffer, bound: RegExp) => {
      writeFileSync(join(dir, name), zip);
      await assert.rejects(readProject(join(dir, name)), (e: unknown) => e instanceof ProjectError && !bound.test(e.message));
    };
    await notFor('asset-at-limit.wbproj', withDeclaredSizes(small, { 'assets/big.png': 64 * MiB }), /too large/);
    // An asset may be larger than a manifest may.
    await notFor('asset-past-manifest-limit.wbproj', withDeclaredSizes(small, { 'assets/big.png': 32 * MiB }), /too large/);
    // Over 1 MiB and over 50 times its stored size.
    const bomb = await bytesZipOf({ 'project.json': Buffer.from(manifest), 'assets/bomb.png': randomBytes(30_000) });
    const storedSize = storedSizeOf(bomb, 'assets/bomb.png');
    await refused('ratio.wbproj', withDeclaredSizes(bomb, { 'assets/bomb.png': 2 * MiB }), new RegExp(`: assets/bomb\\.png inflates ${Math.round((2 * MiB) / storedSize)} times its stored size$`));
    // Exactly 50 times (and over 1 MiB), or 1 MiB exactly at 100 times: not refused for that.
    await notFor('fifty.wbproj', withDeclaredSizes(bomb, { 'assets/bomb.png': 50 * storedSize }), /too large|inflates/);
    const dense = await bytesZipOf({ 'project.json': Buffer.from(manifest), 'assets/bomb.png': randomBytes(10_000) });
    assert.ok(MiB > 100 * storedSizeOf(dense, 'assets/bomb.png') * 0.99);
    await notFor('a-mebibyte.wbproj', withDeclaredSizes(dense, { 'assets/bomb.png': MiB }), /too large|inflates/);
  });

  test('a document that names a picture it does not hold is not saved', async () => {
    const { document, panel } = fullProject();
    const path = join(temporary('projects'), 'short.wbproj');
    await assert.rejects(writeProject(path, { document, assets: new Map(), panel }), (e: unknown) => e instanceof ProjectError && /^The document refers to asset_\w+, which is not among its assets$/.test(e.message));
    assert.deepEqual(readdirSync(join(path, '..')), []);
  });

  test('a save that fails leaves the last good save as it was, and no temporary file', async () => {
    const dir = temporary('projects');
    const path = join(dir, 'keep.wbproj');
    await writeProject(path, fullProject());
    const good = readFileSync(path);
    const broken = fullProject();
    await assert.rejects(writeProject(path, { ...broken, assets: new Map() }), /not among its assets/);
    await assert.rejects(writeProject(path, { ...broken, document: { ...broken.document, version: 9 } as unknown as CanvasDocument }));
    assert.deepEqual(readFileSync(path), good);
    assert.deepEqual(readdirSync(dir), ['keep.wbproj']);
  });
});

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { AssetId, assetsOf, emptyDocument, LayerId, type CanvasDocument } from '../../app/document/document';
import { defaultRunSettings, type RunSettings } from '../../app/document/run-settings';
import { encodePng } from '../../main/images/png';
import { ProjectError, readProject, writeProject } from '../../main/projects/project-file';
import { temporary } from '../helpers/backend';
import { zipOf } from '../helpers/zip';
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

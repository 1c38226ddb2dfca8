import assert from 'node:assert/strict';
import { existsSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { AssetId, emptyDocument, LayerId, type CanvasDocument } from '../../app/document/document';
import { defaultRunSettings } from '../../app/document/run-settings';
import { encodePng } from '../../main/images/png';
import { ProjectStore, type ProjectData } from '../../main/projects/project-store';
import { temporary } from '../helpers/backend';

// The projects folder as main keeps it: named projects, most recent first, and the autosave that survives a crash.
describe('the project store', () => {
  const picture = `data:image/png;base64,${encodePng(4, 4, new Uint8Array(48).fill(200)).toString('base64')}`;
  const asset = AssetId.parse('asset_photo');
  const document: CanvasDocument = {
    ...emptyDocument(64, 64),
    layers: [{ id: LayerId.parse('layer_photo'), name: 'photo', visible: true, locked: false, opacity: 1, kind: 'image', asset, rect: { x: 0, y: 0, width: 1, height: 1 } }],
  };
  const data: ProjectData = { document, assets: { [asset]: picture }, panel: { ...defaultRunSettings(3), prompt: 'a castle' } };

  test('saves and opens a project with its pictures as data URLs, byte for byte, and lists projects newest first', async () => {
    const store = new ProjectStore(join(temporary('data'), 'projects'));
    assert.deepEqual(await store.list(), [], 'no folder yet is no projects');
    assert.equal((await store.save('castle', data)).name, 'castle');
    assert.deepEqual(await store.open('castle'), data);
    // Older, and first by name: listed second all the same.
    await store.save('another', { ...data, panel: null });
    utimesSync(join(store.dir, 'another.wbproj'), new Date('2026-01-01'), new Date('2026-01-01'));
    writeFileSync(join(store.dir, 'notes.txt'), 'not a project');
    await store.autosave('castle', data);
    const listed = await store.list();
    assert.deepEqual(listed.map((p) => p.name), ['castle', 'another'], 'the autosave and other files are not projects');
    assert.equal(listed[1]!.savedAt, new Date('2026-01-01').toISOString());
    assert.deepEqual((await store.open('another')).panel, null);
  });

  test('the autosave is offered back with its name and time, restored as it was, and dropped by a save', async () => {
    const store = new ProjectStore(join(temporary('data'), 'projects'));
    assert.equal(await store.recovery(), null);
    const before = Date.now();
    await store.autosave('castle', data);
    const offered = await store.recovery();
    assert.equal(offered?.name, 'castle');
    assert.ok(Date.parse(offered!.savedAt) >= before - 1000 && Date.parse(offered!.savedAt) <= Date.now());
    assert.deepEqual(await store.restore(), data);
    await store.autosave(null, data);
    assert.equal((await store.recovery())?.name, null, 'an untitled project');
    // Its note damaged: the autosave is still offered, without a name or time.
    writeFileSync(join(store.dir, '.autosave.json'), '{"name":');
    assert.deepEqual(await store.recovery(), { name: null, savedAt: '' });
    writeFileSync(join(store.dir, '.autosave.json'), JSON.stringify({ name: 7, savedAt: false }));
    assert.deepEqual(await store.recovery(), { name: null, savedAt: '' });
    await store.save('castle', data);
    assert.equal(await store.recovery(), null);
    assert.deepEqual(readdirSync(store.dir), ['castle.wbproj']);
  });

  test("a result's document is kept at any path and read back; a crash's half-written saves are removed", async () => {
    const store = new ProjectStore(join(temporary('data'), 'projects'));
    const path = join(temporary('gallery'), 'result.wbdoc');
    await store.writeDocument(path, data);
    assert.deepEqual(await store.readDocument(path), data);
    await store.save('castle', data);
    writeFileSync(join(store.dir, 'castle.wbproj.1a2b3c4d.partial'), 'half');
    await store.removeLeftovers();
    assert.deepEqual(readdirSync(store.dir), ['castle.wbproj']);
    assert.ok(existsSync(path));
  });
});

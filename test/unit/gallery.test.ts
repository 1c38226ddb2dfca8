import assert from 'node:assert/strict';
import { copyFileSync, existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Gallery } from '../../main/gallery/gallery';
import { encodePng } from '../../main/images/png';
import { temporary } from '../helpers/backend';

const png = (text: Record<string, string> = {}, side = 300) => encodePng(side, side, new Uint8Array(side * side * 3).fill(120), text);

describe('the gallery index', () => {
  test('picks up images added and removed by hand, newest first, with other tools\' parameters read', async () => {
    const dir = temporary('gallery');
    const gallery = new Gallery(dir);
    assert.deepEqual(await gallery.list(null, 10), { items: [], next: null, total: 0 });
    writeFileSync(join(dir, 'older.png'), png({ parameters: 'a fox\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 5, Size: 300x300' }));
    writeFileSync(join(dir, 'not-an-image.png'), 'text');
    writeFileSync(join(dir, 'notes.txt'), 'not listed');
    await new Promise((r) => setTimeout(r, 20));
    writeFileSync(join(dir, 'newer.png'), png({ invokeai_metadata: JSON.stringify({ positive_prompt: 'a boat', seed: 9, steps: 30 }) }));
    const first = await gallery.list(null, 10);
    assert.deepEqual(first.items.map((i) => [i.id, i.info?.tool, i.info?.prompt, i.info?.seed]), [['newer', 'invokeai', 'a boat', 9], ['older', 'a1111', 'a fox', 5]]);
    assert.deepEqual([first.items[0]!.width, first.items[0]!.height], [300, 300]);

    rmSync(join(dir, 'older.png'));
    copyFileSync(join(dir, 'newer.png'), join(dir, 'copy.png'));
    const second = await gallery.list(null, 10);
    assert.deepEqual(second.items.map((i) => i.id).sort(), ['copy', 'newer']);
  });

  test('pages, thumbnails made once, stars kept, trash and restore with the sidecar', async () => {
    const dir = temporary('gallery');
    for (let i = 0; i < 5; i++) {
      writeFileSync(join(dir, `r${i}.png`), png());
      writeFileSync(join(dir, `r${i}.json`), '{}');
    }
    const gallery = new Gallery(dir);
    const page1 = await gallery.list(null, 2);
    const page2 = await gallery.list(page1.next, 2);
    const page3 = await gallery.list(page2.next, 2);
    assert.equal(page1.total, 5);
    assert.deepEqual([page1.items.length, page2.items.length, page3.items.length, page3.next], [2, 2, 1, null]);
    assert.equal(new Set([...page1.items, ...page2.items, ...page3.items].map((i) => i.id)).size, 5);

    const thumb = join(dir, '.thumbs', 'r0.png');
    assert.ok(page1.items.concat(page2.items, page3.items).every((i) => i.thumbnail));
    const made = statSync(thumb).mtimeMs;
    await gallery.list(null, 10);
    assert.equal(statSync(thumb).mtimeMs, made, 'a thumbnail is made once');

    await gallery.star('r1', true);
    assert.equal((await new Gallery(dir).list(null, 10)).items.find((i) => i.id === 'r1')?.starred, true);

    await gallery.trash('r2');
    assert.ok(!existsSync(join(dir, 'r2.png')) && existsSync(join(dir, '.trash', 'r2.json')));
    assert.equal((await gallery.list(null, 10)).total, 4);
    await gallery.restore('r2');
    assert.ok(existsSync(join(dir, 'r2.png')) && existsSync(join(dir, 'r2.json')));
    await gallery.trash('r3');
    assert.equal(await gallery.emptyTrash(), 1);
    await assert.rejects(gallery.restore('r3'), { code: 'not-found' });
  });

  test("a result's record names its model by folder name and carries no paths", async () => {
    const dir = temporary('gallery');
    const record = { wordbrush: '0.1.0', request: { model: '/home/me/.config/Wordbrush/models/my-model', outputDir: '/home/me/gallery', prompt: 'x', seed: 3, init: { image: '/home/me/secret.png', strength: 0.5 } }, settings: { steps: 2 } };
    writeFileSync(join(dir, 'mine.png'), png({ parameters: 'x\nSteps: 2, Sampler: Euler, CFG scale: 7, Seed: 3', wordbrush: JSON.stringify(record) }));
    const got = await new Gallery(dir).get('mine');
    assert.equal(got.entry.info?.tool, 'wordbrush');
    assert.deepEqual((got.wordbrush as { request: { model: string } }).request.model, 'my-model');
    assert.doesNotMatch(JSON.stringify(got), /\/home\/me/);
  });
});

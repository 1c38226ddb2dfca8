import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { removePartialFiles, writeAtomic } from '../../main/files/write-atomic';

/** The one way files are written (settings, projects, results, assets, graph caches): whole or not at all. */
describe('writing a file atomically', () => {
  test('a write replaces the old content whole; a write that fails midway leaves the old content and no temporary file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wordbrush-atomic-'));
    const file = join(dir, 'settings.json');
    await writeAtomic(file, 'first');
    await writeAtomic(file, new Uint8Array([115, 101, 99, 111, 110, 100]));
    assert.equal(readFileSync(file, 'utf8'), 'second');
    // A stream that breaks halfway, as a project zip would on a full disk.
    const broken = new Readable({
      read() {
        this.push('half of a new');
        this.destroy(new Error('the disk is full'));
      },
    });
    await assert.rejects(writeAtomic(file, broken), /the disk is full/);
    assert.equal(readFileSync(file, 'utf8'), 'second');
    assert.deepEqual(readdirSync(dir), ['settings.json']);
  });

  test("what a crash left half-written (its temporary files) is removed; nothing else is", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wordbrush-atomic-'));
    writeFileSync(join(dir, 'mine.wbproj.1a2b3c4d.partial'), 'half a save');
    writeFileSync(join(dir, 'mine.wbproj'), 'a whole save');
    assert.deepEqual(await removePartialFiles(dir), ['mine.wbproj.1a2b3c4d.partial']);
    assert.deepEqual(readdirSync(dir), ['mine.wbproj']);
  });
});

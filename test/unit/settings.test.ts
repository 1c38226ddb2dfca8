import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DEFAULT_SETTINGS } from '../../app/contract/settings';
import { defaultLibrary, settingsFile } from '../../main/core/data-dir';
import { loadSettings, SettingsStore } from '../../main/core/settings-store';
import { temporary } from '../helpers/backend';

describe('settings', () => {
  test('a missing file is the defaults; a broken or invalid one is said and the defaults apply', () => {
    const home = temporary('home');
    assert.deepEqual(loadSettings(settingsFile(home)), { settings: DEFAULT_SETTINGS, problem: null });
    writeFileSync(settingsFile(home), '{ "theme": ');
    assert.match(loadSettings(settingsFile(home)).problem ?? '', /is not valid JSON/);
    writeFileSync(settingsFile(home), JSON.stringify({ theme: 'purple', autosaveSeconds: 1 }));
    const loaded = loadSettings(settingsFile(home));
    assert.deepEqual(loaded.settings, DEFAULT_SETTINGS);
    assert.match(loaded.problem ?? '', /theme: .*; autosaveSeconds: /);
  });

  test('changes are validated before they are written, and moved folders are used from the next start', async () => {
    const home = temporary('home');
    const store = new SettingsStore(settingsFile(home));
    await assert.rejects(store.update({ autosaveSeconds: 0 }));
    await assert.rejects(store.update({ galleryDir: 'relative' }));
    const gallery = join(temporary('elsewhere'), 'gallery');
    await store.update({ galleryDir: gallery, theme: 'light' });
    const next = loadSettings(settingsFile(home));
    assert.equal(next.settings.theme, 'light');
    assert.equal(defaultLibrary(home, '/bundled', next.settings).galleryDir, gallery);
    assert.equal(defaultLibrary(home, '/bundled', next.settings).models.dir, join(home, 'models'));
  });
});

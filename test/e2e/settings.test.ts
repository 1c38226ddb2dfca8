import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { temporary } from '../helpers/backend';
import { noChromium } from '../helpers/browser';
import { openStudio, type StudioPage } from '../helpers/studio-page';

// Settings are kept by main, checked before they are stored, and survive a reload.
describe('settings in browser mode', { skip: noChromium }, () => {
  let studio: StudioPage;
  let page: Page;
  const home = temporary('home');
  const form = () => page.getByRole('form', { name: 'Settings' });

  before(async () => {
    studio = await openStudio({ home });
    page = studio.page;
    await page.locator('summary', { hasText: 'Settings' }).click();
  });
  after(async () => {
    await studio?.close();
  });

  test('the theme applies at once and is still there after a reload', async () => {
    await form().getByLabel('Theme').selectOption('light');
    await page.locator('.studio[data-theme=light]').waitFor();
    assert.equal((JSON.parse(readFileSync(join(home, 'settings.json'), 'utf8')) as { theme: string }).theme, 'light');
    await page.reload();
    await page.locator('.studio[data-theme=light]').waitFor();
  });

  test('a folder that is not a full path is refused at its field, and nothing is stored', async () => {
    await page.locator('summary', { hasText: 'Settings' }).click();
    await form().getByLabel('Gallery folder (from the next start)').fill('relative/gallery');
    await form().getByRole('button', { name: 'Save settings' }).click();
    const error = page.locator('#settings-galleryDir-error');
    await error.waitFor();
    assert.match(await error.innerText(), /Give a full path/);
    assert.equal((JSON.parse(readFileSync(join(home, 'settings.json'), 'utf8')) as { galleryDir: string | null }).galleryDir, null);

    // A folder the studio must not own (it lists, writes and deletes in its gallery) is refused in words at the field.
    await form().getByLabel('Gallery folder (from the next start)').fill('/etc');
    await form().getByRole('button', { name: 'Save settings' }).click();
    await page.locator('#settings-galleryDir-error', { hasText: 'is a system folder' }).waitFor();
    assert.equal((JSON.parse(readFileSync(join(home, 'settings.json'), 'utf8')) as { galleryDir: string | null }).galleryDir, null);

    const gallery = join(temporary('elsewhere'), 'my-gallery');
    await form().getByLabel('Gallery folder (from the next start)').fill(gallery);
    await form().getByRole('button', { name: 'Save settings' }).click();
    await form().getByText('Saved').waitFor();
    assert.equal((JSON.parse(readFileSync(join(home, 'settings.json'), 'utf8')) as { galleryDir: string }).galleryDir, gallery);
  });
});

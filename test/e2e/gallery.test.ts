import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { encodePng } from '../../main/images/png';
import { fixtureModels, temporary } from '../helpers/backend';
import { noChromium } from '../helpers/browser';
import { openStudio, type StudioPage } from '../helpers/studio-page';
import { waitFor } from '../helpers/wait';

const A1111_TEXT = 'a castle at dawn, oil painting\nNegative prompt: blurry, watermark\nSteps: 24, Sampler: DPM++ 2M Karras, CFG scale: 6.5, Seed: 12345, Size: 64x64, Model: sd1-optimum, Denoising strength: 0.45';

// The gallery survives reloads and restarts, lists other tools' images, and recalls any result into the panel.
describe('the gallery in browser mode', { skip: noChromium }, () => {
  let studio: StudioPage;
  let page: Page;
  const gallery = temporary('gallery');
  const thumbs = () => page.locator('[data-testid=gallery] button.thumb');

  before(async () => {
    // An image made by A1111, copied into the gallery by hand.
    writeFileSync(join(gallery, 'from-a1111.png'), encodePng(64, 64, new Uint8Array(64 * 64 * 3).fill(90), { parameters: A1111_TEXT }));
    studio = await openStudio({ args: ['--models', fixtureModels, '--gallery', gallery] });
    page = studio.page;
    await page.locator('[data-testid=inference][data-state=ready]').waitFor();
  });
  after(async () => {
    await studio?.close();
  });

  test('a result is still in the gallery after a reload, and "Use these settings" restores the panel', async () => {
    await thumbs().first().waitFor();
    await page.getByTestId('model').selectOption({ label: 'sd1-optimum (sd1)' });
    await page.getByTestId('prompt').fill('a red star on sand');
    await page.getByTestId('random-seed').uncheck();
    await page.getByTestId('seed').fill('777');
    await page.getByTestId('steps').fill('2');
    await page.getByTestId('width').fill('64');
    await page.getByTestId('height').fill('64');
    await page.getByTestId('generate').click();
    await thumbs().nth(1).waitFor();
    await page.getByTestId('generate').waitFor();

    await page.reload();
    await page.locator('[data-testid=inference][data-state=ready]').waitFor();
    await thumbs().nth(1).waitFor();
    assert.equal(await page.getByTestId('prompt').inputValue(), '', 'the panel starts fresh after a reload');
    const newest = thumbs().first();
    assert.match((await newest.getAttribute('title')) ?? '', /^Seed 777 — a red star on sand/);
    await newest.click();
    await page.getByRole('button', { name: 'Use these settings' }).click();
    await page.waitForFunction(() => (document.querySelector('[data-testid=prompt]') as HTMLTextAreaElement).value === 'a red star on sand');
    assert.deepEqual(
      [await page.getByTestId('seed').inputValue(), await page.getByTestId('steps').inputValue(), await page.getByTestId('width').inputValue(), await page.getByTestId('random-seed').isChecked()],
      ['777', '2', '64', false],
    );
  });

  test("an A1111 image copied in by hand is listed with its parameters, and recalls them", async () => {
    const a1111 = thumbs().filter({ has: page.locator('img[src*="from-a1111"]') });
    assert.match((await a1111.getAttribute('title')) ?? '', /^Seed 12345 — a castle at dawn/);
    await a1111.click();
    await page.getByRole('button', { name: 'Use these settings' }).click();
    await page.waitForFunction(() => (document.querySelector('[data-testid=prompt]') as HTMLTextAreaElement).value === 'a castle at dawn, oil painting');
    assert.deepEqual(
      [await page.getByTestId('negative-prompt').inputValue(), await page.getByTestId('seed').inputValue(), await page.getByTestId('steps').inputValue(), await page.getByTestId('cfg').inputValue(), await page.getByTestId('sampler').inputValue(), await page.getByTestId('schedule').inputValue()],
      ['blurry, watermark', '12345', '24', '6.5', 'dpmpp_2m', 'karras'],
    );
  });

  test('Delete moves an image to the trash, and Undo brings it back', async () => {
    const count = await thumbs().count();
    await thumbs().first().click();
    await page.getByRole('button', { name: 'Move to trash' }).click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=gallery] button.thumb').length === n - 1, count);
    await page.getByRole('button', { name: 'Undo the delete' }).click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=gallery] button.thumb').length === n, count);

    // Deleted for good only when the trash is emptied.
    const id = ((await thumbs().first().locator('img').getAttribute('src')) ?? '').replace(/^.*\//, '').replace(/\.png.*$/, '');
    await thumbs().first().click();
    await page.getByRole('button', { name: 'Move to trash' }).click();
    await waitFor('the trash to hold it', () => (existsSync(join(gallery, '.trash', `${id}.png`)) ? true : undefined));
    await page.getByRole('button', { name: 'Empty the trash' }).click();
    await waitFor('the trash to be emptied', () => (existsSync(join(gallery, '.trash', `${id}.png`)) ? undefined : true));
    assert.ok(!existsSync(join(gallery, `${id}.png`)));
  });

  test('a PNG dropped on the studio puts its settings in the panel', async () => {
    const bytes = encodePng(8, 8, new Uint8Array(8 * 8 * 3), { parameters: 'a lighthouse in fog\nNegative prompt: people\nSteps: 12, Sampler: Euler, CFG scale: 5, Seed: 4242, Size: 64x64' });
    await page.evaluate((data) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(data)], 'dropped.png', { type: 'image/png' }));
      document.querySelector('.studio')!.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }, [...bytes]);
    await page.waitForFunction(() => (document.querySelector('[data-testid=prompt]') as HTMLTextAreaElement).value === 'a lighthouse in fog');
    assert.deepEqual([await page.getByTestId('seed').inputValue(), await page.getByTestId('steps').inputValue(), await page.getByTestId('sampler').inputValue()], ['4242', '12', 'euler']);
    await page.getByText('Settings from dropped.png').waitFor();
  });
});

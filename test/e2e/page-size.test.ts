import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { encodePng } from '../../main/images/png';
import { temporary } from '../helpers/backend';
import { noChromium } from '../helpers/browser';
import { openStudio, type StudioPage } from '../helpers/studio-page';

// A page that fits the model: the bundled starter makes 64x64 images, and a new page is that size, its brush with it.
describe('a page that fits the model', { skip: noChromium }, () => {
  let studio: StudioPage;
  let page: Page;
  const pageSize = () => page.getByTestId('canvas').getAttribute('data-page');
  const brushSize = () => page.getByLabel('Brush size ([ and ])').inputValue();

  before(async () => {
    studio = await openStudio({ args: [], viewport: { width: 1440, height: 900 } });
    page = studio.page;
    await page.locator('[data-testid=inference][data-state=ready]').waitFor();
    await page.getByTestId('model').locator('option', { hasText: 'starter' }).waitFor({ state: 'attached' });
  });
  after(async () => {
    await studio?.close();
  });

  test("a page without pixels is the run's size, and the brush a sixteenth of it", async () => {
    await page.waitForFunction(() => document.querySelector('[data-testid=canvas]')?.getAttribute('data-page') === '64x64');
    await page.getByRole('button', { name: 'Brush (B)' }).click();
    assert.equal(await brushSize(), '4');
    // Boxes are placed in fractions of the page: a page holding only boxes still follows the run's size.
    await page.getByRole('button', { name: 'Box (R)' }).click();
    const stage = (await page.getByTestId('canvas').boundingBox())!;
    await page.mouse.move(stage.x + stage.width * 0.45, stage.y + stage.height * 0.45);
    await page.mouse.down();
    await page.mouse.move(stage.x + stage.width * 0.55, stage.y + stage.height * 0.55, { steps: 4 });
    await page.mouse.up();
    await page.getByLabel('Label of box 1').waitFor();
    await page.getByTestId('width').fill('128');
    await page.waitForFunction(() => document.querySelector('[data-testid=canvas]')?.getAttribute('data-page') === '128x64');
    await page.getByRole('button', { name: 'Brush (B)' }).click();
    assert.equal(await brushSize(), '8');
    assert.equal(await page.getByRole('button', { name: /^Resize the page/ }).count(), 0);
  });

  test('a page with pixels keeps its size; the canvas offers the run size, as one undo step', async () => {
    const picture = join(temporary('pictures'), 'field.png');
    writeFileSync(picture, encodePng(96, 64, new Uint8Array(96 * 64 * 3).fill(90)));
    page.on('dialog', (dialog) => void dialog.accept().catch(() => undefined));
    await page.getByRole('button', { name: 'New', exact: true }).click();
    await page.getByLabel('Image to import').setInputFiles(picture);
    await page.getByRole('listitem', { name: 'field' }).waitFor();
    assert.equal(await pageSize(), '96x64');
    // A new project's run follows the model again: 64x64.
    const offer = page.getByRole('button', { name: 'Resize the page to 64×64' });
    await offer.click();
    await page.waitForFunction(() => document.querySelector('[data-testid=canvas]')?.getAttribute('data-page') === '64x64');
    await offer.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Undo (Ctrl+Z)' }).click();
    assert.equal(await pageSize(), '96x64');
    assert.equal((await page.getByRole('listitem', { name: 'field' }).count()), 1, 'the undo took back the resize only');
    // Another run size: the page with pixels stays as it is, and offers that one.
    await page.getByTestId('width').fill('128');
    await page.getByRole('button', { name: 'Resize the page to 128×64' }).waitFor();
    assert.equal(await pageSize(), '96x64');
    // A new page is the run's size again, whatever the last one was.
    await page.getByRole('button', { name: 'New', exact: true }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid=canvas]')?.getAttribute('data-page') === '64x64');
  });
});

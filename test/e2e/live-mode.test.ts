import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decode } from 'fast-png';
import type { Page } from 'playwright-core';
import { noChromium } from '../helpers/browser';
import { openStudio, type StudioPage } from '../helpers/studio-page';

// Live mode with the bundled starter: every edit redraws with the seed shown, the newest image on the canvas, nothing added to the gallery.
describe('live mode in browser mode', { skip: noChromium }, () => {
  let studio: StudioPage;
  let page: Page;
  const shown = () => page.getByTestId('canvas').getAttribute('data-image');
  /** Waits for the canvas to show a staged image other than `before`, and answers it. */
  const nextImage = async (before: string | null) => {
    await page.waitForFunction((old) => {
      const url = document.querySelector('[data-testid=canvas]')!.getAttribute('data-image');
      return url && url !== old;
    }, before);
    return (await shown())!;
  };
  /** The prompt an image shown on the canvas was made from (its PNG's A1111 parameters). */
  const promptOf = async (url: string) => {
    const png = decode(new Uint8Array(await (await fetch(new URL(url, studio.serve.url))).arrayBuffer()));
    return (png.text.parameters ?? '').split('\n')[0];
  };

  before(async () => {
    // The bundled starter alone: no --models.
    studio = await openStudio({ args: [] });
    page = studio.page;
    await page.locator('[data-testid=inference][data-state=ready]').waitFor();
    await page.getByTestId('model').locator('option', { hasText: 'starter' }).waitFor({ state: 'attached' });
  });
  after(() => studio?.close());

  test('Alt+L from the prompt turns it on; typing redraws with the same seed, and the last words typed are what is drawn', async () => {
    const liveButton = page.getByRole('button', { name: 'Live', exact: true });
    assert.equal(await liveButton.getAttribute('aria-pressed'), 'false');
    const seed = await page.getByTestId('seed').inputValue();
    await page.getByTestId('prompt').focus();
    await page.keyboard.press('Alt+KeyL');
    assert.equal(await liveButton.getAttribute('aria-pressed'), 'true');
    // Live runs say they are live, never "Loading the model…" (they send no progress).
    await page.evaluate(() => {
      const seen = new Set<string>();
      (window as unknown as { phasesSeen: Set<string> }).phasesSeen = seen;
      new MutationObserver(() => document.querySelectorAll('[data-testid=generation-phase]').forEach((e) => seen.add(e.getAttribute('data-phase') ?? ''))).observe(document.body, { childList: true, subtree: true, attributes: true });
    });
    await page.keyboard.type('a red star');
    const first = await nextImage('');
    assert.match(first, /\/gallery\/\.live\//);
    assert.equal(await promptOf(first), 'a red star');
    assert.deepEqual(await page.evaluate(() => [...(window as unknown as { phasesSeen: Set<string> }).phasesSeen]), ['live']);
    // Typed fast, edits overtake the runs: stale ones are cancelled and the image catches up with the last words.
    await page.keyboard.type(' left of a blue ring', { delay: 15 });
    await page.waitForFunction(
      async () => {
        const url = document.querySelector('[data-testid=canvas]')!.getAttribute('data-image');
        if (!url) return false;
        const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
        return new TextDecoder('latin1').decode(bytes).includes('a red star left of a blue ring\n');
      },
      undefined,
      { polling: 100 },
    );
    assert.equal(await page.getByTestId('seed').inputValue(), seed, 'the seed is kept');
    assert.match((await page.getByTestId('staged-count').innerText()) ?? '', new RegExp(`^Result ${seed} \\(1 of 1\\)$`));
    assert.equal(await page.locator('[data-testid=gallery] button.thumb').count(), 0, 'live images are not added to the gallery');
  });

  test('a changed setting redraws; a box drawn on the canvas redraws; off, edits do not', async () => {
    let before = await shown();
    await page.getByTestId('steps').fill('12');
    before = await nextImage(before);
    await page.getByRole('button', { name: /^Box/ }).click();
    const canvas = page.getByTestId('canvas');
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.3);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.6, { steps: 4 });
    await page.mouse.up();
    before = await nextImage(before);

    await page.getByRole('button', { name: 'Live', exact: true }).click();
    await page.getByTestId('prompt').fill('a green cross');
    await page.waitForTimeout(800);
    assert.equal(await shown(), before, 'nothing redraws with live mode off');
    assert.notEqual(await promptOf(before), 'a green cross');
  });
});

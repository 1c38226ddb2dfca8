import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { fixtureModels, temporary } from '../helpers/backend';
import { noChromium } from '../helpers/browser';
import { openStudio, type StudioPage } from '../helpers/studio-page';

// The generation panel knows its model, picks a new seed each run, and says what went wrong where.
describe('the generation panel in browser mode', { skip: noChromium }, () => {
  let studio: StudioPage;
  let page: Page;
  const value = (testId: string) => page.getByTestId(testId).inputValue();

  before(async () => {
    // A Turbo model by its name, as the library detects it (SD-Turbo is an SD 2.1 distillation).
    const models = temporary('models');
    cpSync(join(fixtureModels, 'sd2-v'), join(models, 'tiny-sd-turbo'), { recursive: true });
    cpSync(join(fixtureModels, 'sd1-optimum'), join(models, 'sd1-optimum'), { recursive: true });
    studio = await openStudio({ args: ['--models', models] });
    page = studio.page;
    await page.locator('[data-testid=inference][data-state=ready]').waitFor();
    await page.getByTestId('model').locator('option', { hasText: 'tiny-sd-turbo' }).waitFor({ state: 'attached' });
  });
  after(async () => {
    await studio?.close();
  });

  test("choosing a model applies its defaults, except what the user changed", async () => {
    await page.getByTestId('model').selectOption({ label: 'sd1-optimum (sd1)' });
    assert.deepEqual([await value('steps'), await value('cfg'), await value('sampler'), await value('width')], ['25', '7', 'dpmpp_2m', '512']);
    await page.getByTestId('model').selectOption({ label: 'tiny-sd-turbo (sd-turbo)' });
    assert.deepEqual([await value('steps'), await value('cfg'), await value('sampler'), await value('width'), await value('height')], ['1', '0', 'euler_ancestral', '512', '512']);
    const presets = await page.getByTestId('size-preset').locator('option').allInnerTexts();
    assert.deepEqual(presets.slice(0, 3), ['1:1 (512×512)', '3:4 (448×576)', '4:3 (576×448)']);

    await page.getByTestId('steps').fill('3');
    await page.getByTestId('model').selectOption({ label: 'sd1-optimum (sd1)' });
    assert.deepEqual([await value('steps'), await value('cfg')], ['3', '7'], 'the steps the user set stay; CFG follows the model');
  });

  test('a new random seed each run by default, shown before the run that takes it; a locked seed repeats', async () => {
    await page.getByTestId('size-preset').selectOption({ label: 'Custom' }).catch(() => undefined);
    await page.getByTestId('width').fill('64');
    await page.getByTestId('height').fill('64');
    await page.getByTestId('steps').fill('2');
    // The phases before the steps come and go quickly: record them as they appear.
    await page.evaluate(() => {
      const seen = new Set<string>();
      (window as unknown as { phasesSeen: Set<string> }).phasesSeen = seen;
      new MutationObserver(() => document.querySelectorAll('[data-testid=generation-phase]').forEach((e) => seen.add(e.getAttribute('data-phase') ?? ''))).observe(document.body, { childList: true, subtree: true, attributes: true });
    });
    const seeds: string[] = [];
    for (let run = 0; run < 2; run++) {
      // What is shown is what runs: the seed field holds the next run's seed, and a new one is drawn after it.
      const shown = await value('seed');
      await page.getByTestId('generate').click();
      await page.locator('[data-testid=gallery] img').nth(run).waitFor();
      await page.getByTestId('generate').waitFor();
      await page.waitForFunction((before) => (document.querySelector('[data-testid=seed]') as HTMLInputElement).value !== before, shown);
      seeds.push(shown);
    }
    assert.notEqual(seeds[0], seeds[1]);
    const phases = await page.evaluate(() => [...(window as unknown as { phasesSeen: Set<string> }).phasesSeen].sort());
    assert.deepEqual(phases, ['loading', 'preparing']);
    const titles = await page.locator('[data-testid=gallery] button.thumb').evaluateAll((buttons) => buttons.map((b) => b.getAttribute('title')));
    assert.ok(titles.some((t) => t?.startsWith(`Seed ${seeds[0]} `)) && titles.some((t) => t?.startsWith(`Seed ${seeds[1]} `)), JSON.stringify(titles));

    await page.getByTestId('random-seed').uncheck();
    await page.getByTestId('seed').fill('1234');
    await page.getByTestId('generate').click();
    await page.locator('[data-testid=gallery] img').nth(2).waitFor();
    await page.getByTestId('generate').waitFor();
    assert.equal(await value('seed'), '1234');
  });

  test('a field error shows as the field is typed, in words, and Generate waits until it is fixed', async () => {
    const error = page.locator('#width-error');
    await page.getByTestId('width').fill('65');
    await error.waitFor();
    assert.equal(await error.innerText(), 'a multiple of 8 px (64?)');
    assert.equal(await page.getByTestId('width').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByTestId('generate').isDisabled(), true);
    await page.getByTestId('width').fill('8000');
    assert.equal(await error.innerText(), 'at most 4096 px');
    await page.getByTestId('steps').fill('0');
    assert.equal(await page.locator('#steps-error').innerText(), 'at least 1 step');

    await page.getByTestId('steps').fill('2');
    await page.getByTestId('width').fill('64');
    assert.equal(await error.count(), 0);
    assert.equal(await page.locator('#steps-error').count(), 0);
    assert.equal(await page.getByTestId('generate').isDisabled(), false);
    await page.getByTestId('generate').click();
    await page.getByTestId('generate').waitFor();
    assert.equal(await page.getByTestId('generation-error').count(), 0);
  });

  test('the memory a run needs is said before it runs; a size past the machine is refused there, with the size that fits', async () => {
    const estimate = page.getByTestId('memory-estimate');
    await page.waitForFunction(() => /^Needs about [\d.]+ [kMG]?B \([\d.]+ [kMG]?B of weights, [\d.]+ [kMG]?B for this size\); this machine has [\d.]+ GB\.$/.test(document.querySelector('[data-testid=memory-estimate]')?.textContent ?? ''));
    await page.getByTestId('width').fill('4096');
    await page.getByTestId('height').fill('4096');
    await page.waitForFunction(() => document.querySelector('[data-testid=memory-estimate]')?.getAttribute('role') === 'alert');
    assert.match(await estimate.innerText(), /^Too large for this machine: needs about [\d.]+ GB \([\d.]+ [kMG]?B of weights, [\d.]+ GB for this size\), this machine has [\d.]+ GB\. Sizes up to about \d+×\d+ fit\.$/);
    assert.equal(await page.getByTestId('generate').isDisabled(), true);
    await page.getByTestId('width').fill('64');
    await page.getByTestId('height').fill('64');
    await page.waitForFunction(() => document.querySelector('[data-testid=memory-estimate]')?.getAttribute('role') === null);
    assert.equal(await page.getByTestId('generate').isDisabled(), false);
  });

  test('a cancelled run says so, with its progress and Cancel on the canvas', async () => {
    // Long enough to still be running when Cancel lands: 200 steps at 256x256 (the starter does 200 at 64x64 in about a second).
    await page.getByTestId('steps').fill('200');
    await page.getByTestId('width').fill('256');
    await page.getByTestId('height').fill('256');
    await page.getByTestId('generate').click();
    const status = page.getByRole('status', { name: 'Run progress' });
    await status.locator('[data-testid=generation-progress]').waitFor();
    // Where the eye is: the progress sits on the canvas, above the page, and the canvas toolbar stays inside the canvas, clear of the prompt panel.
    const [canvas, shown, toolbar, panel] = await Promise.all(
      [page.getByRole('region', { name: 'Canvas' }), status, page.getByRole('toolbar', { name: 'Canvas tools' }), page.getByRole('region', { name: 'Prompt' })].map(async (l) => (await l.boundingBox())!),
    );
    const inside = (a: NonNullable<typeof canvas>, b: NonNullable<typeof canvas>) => a.x >= b.x && a.y >= b.y && a.x + a.width <= b.x + b.width + 0.5 && a.y + a.height <= b.y + b.height + 0.5;
    assert.ok(inside(shown!, canvas!) && shown!.y < canvas!.y + canvas!.height / 3, 'progress at the top of the canvas');
    assert.ok(inside(toolbar!, canvas!) && toolbar!.x >= panel!.x + panel!.width, 'toolbar inside the canvas');
    await status.getByRole('button', { name: 'Cancel the run (Esc)' }).click();
    await page.locator('[data-testid=generation-phase][data-phase=cancelled]').waitFor();
    await status.waitFor({ state: 'detached' });
  });

  test('results wait on the staging area: stepped through, discarded without a trace, accepted as one layer and one undo step', async () => {
    const layers = async () => (JSON.parse((await page.getByRole('region', { name: 'Layers' }).getAttribute('data-document')) ?? '{}') as { layers: { name: string }[] }).layers;
    const canvasImage = () => page.getByTestId('canvas').getAttribute('data-image');
    const staging = page.getByRole('group', { name: 'Staged results' });
    const before = await layers();
    await page.getByTestId('steps').fill('2');
    await page.getByTestId('width').fill('64');
    await page.getByTestId('height').fill('64');
    await page.getByTestId('batch').fill('2');
    await page.getByTestId('generate').click();
    await staging.waitFor();
    await page.getByTestId('generate').waitFor();
    assert.match(await staging.innerText(), /\(1 of 2\)/);
    await page.waitForFunction(() => document.querySelector('[data-testid=canvas]')!.getAttribute('data-image'));
    const first = await canvasImage();
    await page.getByTestId('canvas').focus();
    await page.keyboard.press('ArrowRight');
    assert.match(await staging.innerText(), /\(2 of 2\)/);
    await page.waitForFunction((url) => document.querySelector('[data-testid=canvas]')!.getAttribute('data-image') !== url, first);
    await staging.getByRole('button', { name: 'Previous result (←)' }).click();
    await page.waitForFunction((url) => document.querySelector('[data-testid=canvas]')!.getAttribute('data-image') === url, first);

    await page.keyboard.press('Escape');
    await staging.waitFor({ state: 'detached' });
    assert.equal(await canvasImage(), '');
    assert.deepEqual(await layers(), before, 'discarding leaves no trace');

    // A gallery pick is staged too; Enter accepts it as one layer, one undo step.
    await page.locator('[data-testid=gallery] button.thumb').first().click();
    await staging.waitFor();
    await page.getByTestId('canvas').focus();
    await page.keyboard.press('Enter');
    await staging.waitFor({ state: 'detached' });
    await page.waitForFunction((n) => JSON.parse(document.querySelector('[aria-label=Layers]')!.getAttribute('data-document')!).layers.length === n, before.length + 1);
    assert.match((await layers()).at(-1)!.name, /^Result \d+$/);
    await page.keyboard.press('Control+z');
    assert.deepEqual(await layers(), before);
    await page.getByTestId('batch').fill('1');
  });
});

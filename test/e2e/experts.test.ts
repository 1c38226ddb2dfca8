import assert from 'node:assert/strict';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { encodePng } from '../../main/images/png';
import { fixtureModels, temporary } from '../helpers/backend';
import { noChromium } from '../helpers/browser';
import { openStudio, type StudioPage } from '../helpers/studio-page';

// Experts in the generation panel: an SDXL base hands its last steps to a refiner, as a person sets it up by role and name.
describe('experts (a refiner) in the generation panel', { skip: noChromium }, () => {
  let studio: StudioPage;
  let page: Page;

  before(async () => {
    const models = temporary('models');
    cpSync(join(fixtureModels, 'sdxl'), join(models, 'sdxl-base'), { recursive: true });
    cpSync(join(fixtureModels, 'sdxl-refiner'), join(models, 'sdxl-refiner'), { recursive: true });
    cpSync(join(fixtureModels, 'sd1-optimum'), join(models, 'sd1-optimum'), { recursive: true });
    // An SDXL image made by A1111 with its refiner, copied into the gallery by hand.
    const gallery = temporary('gallery');
    const parameters = 'a castle at dawn\nSteps: 30, Sampler: DPM++ 2M, CFG scale: 7, Seed: 12345, Size: 64x64, Model: sdxl-base, Refiner: sdxl-refiner [7440042bbd], Refiner switch at: 0.7, Version: v1.10.1';
    writeFileSync(join(gallery, 'from-a1111.png'), encodePng(64, 64, new Uint8Array(64 * 64 * 3).fill(90), { parameters }));
    studio = await openStudio({ args: ['--models', models, '--gallery', gallery] });
    page = studio.page;
    await page.locator('[data-testid=inference][data-state=ready]').waitFor();
    await page.getByTestId('model').locator('option', { hasText: 'sdxl-refiner' }).waitFor({ state: 'attached' });
  });
  after(() => studio?.close());

  const slider = () => page.getByRole('slider', { name: 'Expert 1 switches in at' });

  test('adding an expert picks the refiner at 0.8, shows the step it takes over at, and its aesthetic scores', async () => {
    await page.getByTestId('model').selectOption({ label: 'sdxl-base (sdxl)' });
    const experts = page.getByRole('group', { name: 'Experts' });
    assert.equal(await experts.getByRole('spinbutton', { name: 'Aesthetic score', exact: true }).count(), 0, 'no refiner, no aesthetic scores');
    await experts.getByRole('button', { name: 'Add an expert' }).click();
    assert.equal(await experts.getByRole('combobox', { name: 'Expert 1' }).inputValue(), 'sdxl-refiner');
    assert.equal(await slider().inputValue(), '0.8');
    await page.getByTestId('steps').fill('10');
    assert.equal(await slider().getAttribute('aria-valuetext'), '0.80 of the schedule, from about step 9 of 10');
    // The keyboard moves the switch a twentieth at a time.
    await slider().focus();
    await page.keyboard.press('ArrowLeft');
    assert.equal(await slider().inputValue(), '0.75');
    await page.keyboard.press('ArrowRight');
    assert.equal(await slider().inputValue(), '0.8');
    assert.equal(await experts.getByRole('spinbutton', { name: 'Aesthetic score', exact: true }).inputValue(), '6');
    assert.equal(await experts.getByRole('spinbutton', { name: 'Negative aesthetic score' }).inputValue(), '2.5');
    await experts.getByRole('spinbutton', { name: 'Aesthetic score', exact: true }).fill('7');
  });

  test('the run takes the base for steps 1–8 and the refiner for 9–10, says so, and its settings come back with the image', async () => {
    await page.getByTestId('size-preset').selectOption({ label: 'Custom' }).catch(() => undefined);
    await page.getByTestId('width').fill('64');
    await page.getByTestId('height').fill('64');
    await page.getByTestId('random-seed').uncheck();
    await page.getByTestId('seed').fill('42');
    await page.getByTestId('prompt').fill('a lion on a rock at night');
    await page.getByTestId('generate').click();
    await page.locator('[data-testid=gallery] img').first().waitFor();
    await page.getByTestId('generate').waitFor();
    assert.equal(await page.getByTestId('experts-ran').innerText(), 'sdxl-base: steps 1–8 · sdxl-refiner: steps 9–10');

    const experts = page.getByRole('group', { name: 'Experts' });
    await experts.getByRole('button', { name: 'Remove expert 1' }).click();
    assert.equal(await slider().count(), 0);
    await page.locator('[data-testid=gallery] button.thumb').first().click();
    await page.getByRole('button', { name: 'Use these settings' }).click();
    await slider().waitFor();
    assert.deepEqual(
      [await experts.getByRole('combobox', { name: 'Expert 1' }).inputValue(), await slider().inputValue(), await experts.getByRole('spinbutton', { name: 'Aesthetic score', exact: true }).inputValue()],
      ['sdxl-refiner', '0.8', '7'],
    );
  });

  test("an A1111 image's Refiner and Refiner switch at come back as the first expert", async () => {
    await page.locator('[data-testid=gallery] button.thumb').filter({ has: page.locator('img[src*="from-a1111"]') }).click();
    await page.getByRole('button', { name: 'Use these settings' }).click();
    await page.waitForFunction(() => (document.querySelector('[data-testid=prompt]') as HTMLTextAreaElement).value === 'a castle at dawn');
    assert.deepEqual([await page.getByRole('group', { name: 'Experts' }).getByRole('combobox', { name: 'Expert 1' }).inputValue(), await slider().inputValue()], ['sdxl-refiner', '0.7']);
  });

  test('an expert from another latent space is refused in words naming both models, and nothing is lost', async () => {
    await page.getByTestId('model').selectOption({ label: 'sdxl-base (sdxl)' });
    await page.getByRole('group', { name: 'Experts' }).getByRole('combobox', { name: 'Expert 1' }).selectOption({ label: 'sd1-optimum (sd1)' });
    await page.getByTestId('generate').click();
    await page.getByTestId('generation-error').waitFor();
    assert.match(await page.getByTestId('generation-error').innerText(), /sd1-optimum cannot continue sdxl-base's image: its VAE scales latents by 0\.18215, sdxl-base's by 0\.13025/);
    assert.equal(await page.getByTestId('prompt').inputValue(), 'a castle at dawn', 'the prompt is kept');
  });
});

import assert from 'node:assert/strict';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { fixtureModels, temporary } from '../helpers/backend';
import { noChromium } from '../helpers/browser';
import { openStudio, type StudioPage } from '../helpers/studio-page';
import { startHubServer, type HubServer } from '../helpers/hub-server';

/** The catalog's first entry, hosted by the loopback hub with a fixture's files. */
const CATALOG_REPO = 'nmkd/stable-diffusion-1.5-onnx-fp16';
const CATALOG_NAME = 'Stable Diffusion 1.5 (ONNX, fp16)';

// The Models panel as a person uses it, in Debian's Chromium, against `npm run serve` and a hub on loopback.
describe('the Models panel in browser mode', { skip: noChromium }, () => {
  let hub: HubServer;
  let studio: StudioPage;
  let page: Page;
  const models = () => page.getByRole('region', { name: 'Models' });
  const library = () => models().getByRole('list', { name: 'Library' });
  /** Opens a folded section of the panel (Add a model, Catalog, Hub token) as a person would. */
  const open = async (section: string) => {
    const details = models().locator('details', { has: page.locator('summary', { hasText: section }) });
    if ((await details.getAttribute('open')) === null) await details.locator('summary').click();
  };

  before(async () => {
    hub = await startHubServer();
    hub.host(CATALOG_REPO, join(fixtureModels, 'sd1-optimum'));
    // Slow enough that the download is still under way (its Pause button shown) on a loaded machine.
    hub.faults.cdnDelayMs = 1500;
    studio = await openStudio({ args: [], env: { HF_ENDPOINT: hub.url } });
    page = studio.page;
    await page.locator('[data-testid=inference][data-state=ready]').waitFor();
  });

  after(async () => {
    await studio?.close();
    await hub?.close();
  });

  test('downloads a catalog model with progress, then it is listed, verified and generates', async () => {
    await library().getByRole('listitem', { name: 'starter' }).waitFor();
    await open('Catalog');
    await models().getByRole('button', { name: `Download ${CATALOG_NAME}` }).click();
    const download = models().getByRole('listitem', { name: `Download of ${CATALOG_REPO}` });
    await download.waitFor();
    await models().getByRole('button', { name: `Pause ${CATALOG_REPO}` }).waitFor();
    await download.and(page.locator('[data-phase=done]')).waitFor({ timeout: 60_000 });
    assert.match(await download.innerText(), /Verified and in the library/);
    const row = library().getByRole('listitem', { name: CATALOG_REPO });
    await row.waitFor();
    assert.match(await row.innerText(), /sd1 · 5\.\d MB · library · 512×512/);
    await models().getByRole('listitem', { name: CATALOG_NAME }).getByText('In the library as stable-diffusion-1.5-onnx-fp16').waitFor();

    await models().getByRole('button', { name: `Verify ${CATALOG_REPO}` }).click();
    await models().getByRole('status').getByText('stable-diffusion-1.5-onnx-fp16: every file matches its manifest').waitFor();

    await page.getByTestId('model').selectOption({ label: `${CATALOG_REPO} (sd1)` });
    await page.getByTestId('prompt').fill('a red star');
    await page.getByTestId('steps').fill('2');
    await page.getByTestId('width').fill('64');
    await page.getByTestId('height').fill('64');
    await page.getByTestId('generate').click();
    await page.locator('[data-testid=gallery] img').first().waitFor();
    assert.deepEqual(studio.errors, []);
  });

  test('pauses and resumes a download; a failed one says why and keeps the library as it was', async () => {
    hub.host('acme/slow-sd', join(fixtureModels, 'sd1-static'));
    await open('Add a model');
    const form = models().getByRole('form', { name: 'Download from the hub' });
    await form.getByLabel('Hub repository').fill('acme/slow-sd');
    await form.getByRole('button', { name: 'Download' }).click();
    await models().getByRole('button', { name: 'Pause acme/slow-sd' }).click();
    const slow = models().getByRole('listitem', { name: 'Download of acme/slow-sd' });
    await slow.and(page.locator('[data-phase=paused]')).waitFor();
    hub.faults.cdnDelayMs = 0;
    await models().getByRole('button', { name: 'Resume acme/slow-sd' }).click();
    await slow.and(page.locator('[data-phase=done]')).waitFor({ timeout: 60_000 });
    await library().getByRole('listitem', { name: 'acme/slow-sd' }).waitFor();

    await form.getByLabel('Hub repository').fill('acme/not-there');
    await form.getByRole('button', { name: 'Download' }).click();
    const failed = models().getByRole('listitem', { name: 'Download of acme/not-there' });
    await failed.and(page.locator('[data-phase=failed]')).waitFor();
    assert.match(await failed.getByRole('alert').innerText(), /acme\/not-there@main was not found on the hub \(404\)/);
  });

  test('imports a folder by path, refuses a broken one naming the file, and removes a model after asking', async () => {
    await open('Add a model');
    const importForm = models().getByRole('form', { name: 'Import a model' });
    const broken = join(temporary('broken'), 'half-copied');
    cpSync(join(fixtureModels, 'sd2-v'), broken, { recursive: true });
    rmSync(join(broken, 'unet', 'model.onnx_data'));
    await importForm.getByLabel('Model folder or .zip (full path)').fill(broken);
    await importForm.getByRole('button', { name: 'Import' }).click();
    assert.match(await models().getByTestId('models-error').innerText(), /half-copied cannot be imported: .*unet\/model\.onnx_data is missing/);

    await importForm.getByLabel('Model folder or .zip (full path)').fill(join(fixtureModels, 'sd2-v'));
    await importForm.getByRole('button', { name: 'Import' }).click();
    const imported = library().getByRole('listitem', { name: 'sd2-v' });
    await imported.waitFor();
    assert.match(await imported.innerText(), /sd2/);

    await models().getByRole('button', { name: `Remove ${CATALOG_REPO}` }).click();
    await models().getByRole('group', { name: `Remove ${CATALOG_REPO}?` }).getByRole('button', { name: 'Remove for good' }).click();
    await library().getByRole('listitem', { name: CATALOG_REPO }).waitFor({ state: 'detached' });
    const offered = await page.getByTestId('model').locator('option').allInnerTexts();
    assert.ok(!offered.some((o) => o.includes(CATALOG_REPO)), 'a removed model is no longer offered');
    assert.ok(offered.some((o) => o.startsWith('sd2-v')));
    assert.deepEqual(studio.errors, []);
  });
});

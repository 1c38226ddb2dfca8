import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page, WebSocket } from 'playwright-core';
import { encodePng } from '../../main/images/png';
import { fixtureModels, temporary } from '../helpers/backend';
import { launchChromium, noChromium } from '../helpers/browser';
import { dragThrough } from '../helpers/canvas-page';
import { requireBuild } from '../helpers/paths';
import { startServe, type ServeProcess } from '../helpers/serve-process';
import { waitFor } from '../helpers/wait';
import { zipOf } from '../helpers/zip';


// Projects: saved and reopened exactly, autosaved and offered back after a crash, damaged files refused without harm.
describe('projects in browser mode', { skip: noChromium }, () => {
  const home = temporary('home');
  const projects = join(home, 'projects');
  const picture = join(temporary('pictures'), 'sunset.png');
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;
  const documentShown = async () => JSON.parse((await page.getByRole('region', { name: 'Layers' }).getAttribute('data-document')) ?? 'null') as { layers: { name: string; visible: boolean }[] };
  // The page's contract socket, to read what the studio sends.
  const sockets: WebSocket[] = [];
  const start = async () => {
    serve = await startServe(['--models', fixtureModels], {}, home);
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('websocket', (ws) => sockets.push(ws));
    await page.goto(serve.url);
    await page.locator('[data-testid=connection][data-state=connected]').waitFor();
  };

  before(async () => {
    requireBuild();
    writeFileSync(picture, encodePng(96, 64, new Uint8Array(96 * 64 * 3).fill(200)));
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, 'settings.json'), JSON.stringify({ autosaveSeconds: 2 }));
    browser = await launchChromium();
    await start();
  });
  after(async () => {
    await browser?.close();
    await serve?.stop();
  });

  test('save a project, change it, reopen it: the document comes back exactly', async () => {
    await page.getByLabel('Image to import').setInputFiles(picture);
    await page.getByRole('listitem', { name: 'sunset' }).waitFor();
    await page.getByRole('button', { name: 'Save as…' }).click();
    await page.getByLabel('Project name').fill('my-scene');
    await page.getByRole('button', { name: 'Save as', exact: true }).click();
    await page.locator('[data-testid=project-name][data-dirty=false]', { hasText: 'my-scene' }).waitFor();
    assert.ok(existsSync(join(projects, 'my-scene.wbproj')));
    const saved = await documentShown();
    assert.deepEqual([saved.layers.length, (saved as unknown as { canvas: { width: number } }).canvas.width], [1, 96]);

    await page.getByLabel('Show sunset').uncheck();
    await page.locator('[data-testid=project-name][data-dirty=true]').waitFor();
    assert.equal((await documentShown()).layers[0]!.visible, false);
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByLabel('Open project').selectOption('my-scene');
    await page.locator('[data-testid=project-name][data-dirty=false]').waitFor();
    assert.deepEqual(await documentShown(), saved);
  });

  test('after a crash mid-edit the studio offers the autosave back', async () => {
    await page.getByLabel('Show sunset').uncheck();
    await waitFor('the autosave', () => (existsSync(join(projects, '.autosave.wbproj')) ? true : undefined));
    const edited = await documentShown();
    serve.child.kill('SIGKILL');
    await page.close();
    await start();
    await page.getByRole('button', { name: 'Restore' }).click();
    await page.getByRole('listitem', { name: 'sunset' }).waitFor();
    assert.deepEqual(await documentShown(), edited);
  });

  test('a damaged project and one from a newer Wordbrush are refused in words, and left as they were', async () => {
    writeFileSync(join(projects, 'broken.wbproj'), 'not a zip at all');
    writeFileSync(join(projects, 'newer.wbproj'), await zipOf({ 'project.json': JSON.stringify({ format: 'wordbrush-project', version: 2, savedAt: '', document: {}, panel: null }) }));
    const before = { broken: readFileSync(join(projects, 'broken.wbproj')), newer: readFileSync(join(projects, 'newer.wbproj')), good: readFileSync(join(projects, 'my-scene.wbproj')) };
    await page.reload();
    await page.locator('[data-testid=connection][data-state=connected]').waitFor();
    page.on('dialog', (dialog) => void dialog.accept());
    await page.getByLabel('Open project').selectOption('broken');
    assert.match(await page.getByTestId('project-error').innerText(), /broken\.wbproj is damaged/);
    await page.getByLabel('Open project').selectOption('newer');
    await page.waitForFunction(() => /newer Wordbrush/.test(document.querySelector('[data-testid=project-error]')?.textContent ?? ''));
    assert.deepEqual({ broken: readFileSync(join(projects, 'broken.wbproj')), newer: readFileSync(join(projects, 'newer.wbproj')), good: readFileSync(join(projects, 'my-scene.wbproj')) }, before);
    // A new project starts without the failed open's message.
    await page.getByRole('button', { name: 'New', exact: true }).click();
    await page.getByTestId('project-error').waitFor({ state: 'detached' });
  });

  test('"Use everything" on a result brings back its settings and the canvas document it was made from', async () => {
    page.on('dialog', (dialog) => void dialog.accept().catch(() => undefined));
    await page.getByRole('button', { name: 'New', exact: true }).click();
    await page.getByLabel('Image to import').setInputFiles(picture);
    await page.getByRole('listitem', { name: 'sunset' }).waitFor();
    await page.getByTestId('model').selectOption({ label: 'sd1-optimum (sd1)' });
    await page.getByTestId('prompt').fill('a castle at sunset');
    await page.getByTestId('steps').fill('2');
    await page.getByTestId('width').fill('64');
    await page.getByTestId('height').fill('64');
    // The document as it was when the run started is kept with its result.
    const made = await documentShown();
    // Pictures travel one way, as uploaded assets: the run's own message names them by id, never inline.
    const generateFrames: string[] = [];
    const watch = (frame: { payload: string | Buffer }) => {
      const text = String(frame.payload);
      if (text.includes('"generate"')) generateFrames.push(text);
    };
    for (const ws of sockets) ws.on('framesent', watch);
    await page.getByTestId('generate').click();
    await page.locator('[data-testid=gallery] button.thumb').first().waitFor();
    await page.getByTestId('generate').waitFor();

    await page.getByRole('button', { name: 'New', exact: true }).click();
    await page.waitForFunction(() => !document.querySelector('[aria-label="Document layers"] li'));
    await page.locator('[data-testid=gallery] button.thumb').first().click();
    await page.getByRole('button', { name: 'Use everything' }).click();
    await page.getByRole('listitem', { name: 'sunset' }).waitFor();
    assert.deepEqual(await documentShown(), made);
    assert.equal(await page.getByTestId('prompt').inputValue(), 'a castle at sunset');
    assert.equal(generateFrames.length, 1);
    assert.ok(!generateFrames[0]!.includes('data:image'), 'no picture inline in the generate call');
  });

  test('closing the page with unsaved changes autosaves them on the way out', async () => {
    await page.getByLabel('Show sunset').uncheck();
    const edited = await documentShown();
    rmSync(join(projects, '.autosave.wbproj'), { force: true });
    // Long before the idle autosave (2 s here) could run.
    await page.close({ runBeforeUnload: true });
    await waitFor('the autosave written as the page closed', () => (existsSync(join(projects, '.autosave.wbproj')) ? true : undefined), 1500);
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(serve.url);
    await page.getByRole('button', { name: 'Restore' }).click();
    await page.getByRole('listitem', { name: 'sunset' }).waitFor();
    assert.deepEqual(await documentShown(), edited);
  });

  test('a picture pasted or dropped (one that says nothing of how it was made) becomes a layer', async () => {
    const bytes = [...readFileSync(picture)];
    await page.evaluate((data) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(data)], 'pasted.png', { type: 'image/png' }));
      window.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer }));
      const dropped = new DataTransfer();
      dropped.items.add(new File([new Uint8Array(data)], 'dropped.png', { type: 'image/png' }));
      document.querySelector('.studio')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dropped, bubbles: true, cancelable: true }));
    }, bytes);
    await page.getByRole('listitem', { name: 'pasted' }).waitFor();
    await page.getByRole('listitem', { name: 'dropped' }).waitFor();
  });

  test('undo and redo every edit, by button and by keyboard; Esc from the canvas cancels a run', async () => {
    page.on('dialog', (dialog) => void dialog.accept().catch(() => undefined));
    await page.getByRole('button', { name: 'New', exact: true }).click();
    await page.getByLabel('Image to import').setInputFiles(picture);
    await page.getByRole('listitem', { name: 'sunset' }).waitFor();
    const added = await documentShown();
    await page.getByLabel('Show sunset').uncheck();
    const hidden = await documentShown();
    await page.getByTestId('canvas').click();
    await page.keyboard.press('Control+z');
    assert.deepEqual(await documentShown(), added);
    await page.keyboard.press('Control+Shift+Z');
    assert.deepEqual(await documentShown(), hidden);
    await page.getByRole('button', { name: 'Undo (Ctrl+Z)' }).click();
    await page.getByRole('button', { name: 'Undo (Ctrl+Z)' }).click();
    assert.deepEqual((await documentShown()).layers, []);
    await page.getByRole('button', { name: 'Redo (Shift+Ctrl+Z)' }).click();
    assert.deepEqual(await documentShown(), added);

    await page.getByTestId('steps').fill('200');
    await page.getByTestId('width').fill('256');
    await page.getByTestId('height').fill('256');
    await page.getByTestId('generate').click();
    await page.locator('[data-testid=generation-progress]').waitFor();
    await page.getByTestId('canvas').click();
    await page.keyboard.press('Escape');
    await page.locator('[data-testid=generation-phase][data-phase=cancelled]').waitFor();
  });

  test('a box drawn with the box tool and labelled goes into the run, as drawn', async () => {
    page.on('dialog', (dialog) => void dialog.accept().catch(() => undefined));
    await page.getByRole('button', { name: 'New', exact: true }).click();
    await page.getByRole('button', { name: 'Box (R)' }).click();
    await dragThrough(page, [[0.3, 0.2], [0.5, 0.5], [0.7, 0.6]]);
    const label = page.getByLabel('Label of box 1');
    await label.fill('red star');
    await label.press('Enter');
    await page.getByRole('button', { name: 'Move (V)' }).click();

    await page.getByTestId('model').selectOption({ label: 'sd1-optimum (sd1)' });
    await page.getByTestId('prompt').fill('a red star on sand');
    await page.getByTestId('steps').fill('2');
    await page.getByTestId('width').fill('64');
    await page.getByTestId('height').fill('64');
    const before = await page.locator('[data-testid=gallery] button.thumb').count();
    await page.getByTestId('generate').click();
    await page.locator('[data-testid=gallery] button.thumb').nth(before).waitFor();
    const id = ((await page.locator('[data-testid=gallery] button.thumb').first().locator('img').getAttribute('src')) ?? '').replace(/^.*\//, '').replace(/\.png.*$/, '');
    const sidecar = JSON.parse(readFileSync(join(home, 'gallery', `${id}.json`), 'utf8')) as { request: { conditioning: { boxes: { label: string; rect: { x: number; y: number; width: number; height: number } }[] } } };
    const [box] = sidecar.request.conditioning.boxes;
    assert.equal(box?.label, 'red star');
    for (const [key, expected] of [['x', 0.3], ['y', 0.2], ['width', 0.4], ['height', 0.4]] as const) assert.ok(Math.abs(box!.rect[key] - expected) < 0.03, `${key}: ${box!.rect[key]} vs ${expected}`);
  });

  test('a project keeps every setting of the run: reopened, reloaded and restored after a crash, each field comes back', async () => {
    page.on('dialog', (dialog) => void dialog.accept().catch(() => undefined));
    await page.getByRole('button', { name: 'New', exact: true }).click();
    await page.getByLabel('Image to import').setInputFiles(picture);
    await page.getByRole('listitem', { name: 'sunset' }).waitFor();
    await page.getByTestId('model').selectOption({ label: 'sd1-optimum (sd1)' });
    await page.getByTestId('prompt').fill('a lighthouse on a cliff');
    await page.getByTestId('negative-prompt').fill('fog');
    await page.getByTestId('sampler').selectOption('euler');
    await page.getByTestId('schedule').selectOption('karras');
    await page.getByTestId('steps').fill('7');
    await page.getByTestId('cfg').fill('3.5');
    await page.getByTestId('random-seed').uncheck();
    await page.getByTestId('seed').fill('4242');
    await page.getByTestId('width').fill('128');
    await page.getByTestId('height').fill('96');
    await page.getByTestId('batch').fill('2');
    await page.getByTestId('provider-choice').selectOption('cpu');
    await page.getByLabel('Start from').selectOption({ label: 'sunset' });
    await page.getByLabel('Repaint strength').fill('0.4');
    const set = await runFields();
    assert.deepEqual(
      [set.model, set.prompt, set.negative, set.sampler, set.schedule, set.steps, set.cfg, set.seed, set.newSeed, set.width, set.height, set.batch, set.provider, set.startFrom, set.strength],
      ['sd1-optimum', 'a lighthouse on a cliff', 'fog', 'euler', 'karras', '7', '3.5', '4242', false, '128', '96', '2', 'cpu', set.startFrom, '0.4'],
    );
    assert.notEqual(set.startFrom, '');
    await page.getByRole('button', { name: 'Save as…' }).click();
    await page.getByLabel('Project name').fill('lighthouse');
    await page.getByRole('button', { name: 'Save as', exact: true }).click();
    await page.locator('[data-testid=project-name][data-dirty=false]', { hasText: 'lighthouse' }).waitFor();

    // Another project in between: a new one starts afresh (the model stays chosen).
    await page.getByRole('button', { name: 'New', exact: true }).click();
    await page.waitForFunction(() => (document.querySelector('[data-testid=prompt]') as HTMLTextAreaElement | null)?.value === '');
    const fresh = await runFields();
    assert.deepEqual([fresh.model, fresh.steps, fresh.newSeed, fresh.startFrom], ['sd1-optimum', '25', true, '']);

    await page.getByLabel('Open project').selectOption('lighthouse');
    await page.locator('[data-testid=project-name][data-dirty=false]', { hasText: 'lighthouse' }).waitFor();
    assert.deepEqual(await runFields(), set);

    // Reloading the page reopens the project that was open.
    await page.reload();
    await page.locator('[data-testid=connection][data-state=connected]').waitFor();
    await page.locator('[data-testid=project-name]', { hasText: 'lighthouse' }).waitFor();
    await page.getByRole('listitem', { name: 'sunset' }).waitFor();
    assert.deepEqual(await runFields(), set);

    // A prompt changed and never saved comes back after a crash.
    await page.getByTestId('prompt').fill('a lighthouse in a storm');
    rmSync(join(projects, '.autosave.wbproj'), { force: true });
    await waitFor('the autosave', () => (existsSync(join(projects, '.autosave.wbproj')) ? true : undefined));
    serve.child.kill('SIGKILL');
    await page.close();
    await start();
    await page.getByRole('button', { name: 'Restore' }).click();
    await page.getByRole('listitem', { name: 'sunset' }).waitFor();
    // The restarted studio lists its models and providers anew before the panel can show them chosen.
    await page.locator('[data-testid=model] option[value=sd1-optimum]').waitFor({ state: 'attached' });
    await page.locator('[data-testid=provider-choice] option[value=cpu]').waitFor({ state: 'attached' });
    assert.deepEqual(await runFields(), { ...set, prompt: 'a lighthouse in a storm' });
  });

  /** Every field of the prompt panel, as a person reads it. */
  async function runFields() {
    const value = (id: string) => page.getByTestId(id).inputValue();
    const strength = page.getByLabel('Repaint strength');
    return {
      model: await value('model'),
      prompt: await value('prompt'),
      negative: await value('negative-prompt'),
      sampler: await value('sampler'),
      schedule: await value('schedule'),
      steps: await value('steps'),
      cfg: await value('cfg'),
      seed: await value('seed'),
      newSeed: await page.getByTestId('random-seed').isChecked(),
      width: await value('width'),
      height: await value('height'),
      batch: await value('batch'),
      provider: await value('provider-choice'),
      startFrom: await page.getByLabel('Start from').inputValue(),
      strength: (await strength.count()) > 0 ? await strength.inputValue() : null,
    };
  }
});

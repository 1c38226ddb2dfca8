import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { CanvasDocument } from '../../app/document/document';
import { encodePng } from '../../main/images/png';
import { temporary } from '../helpers/backend';
import { noChromium } from '../helpers/browser';
import { dragThrough } from '../helpers/canvas-page';
import { canvasPixels, openStudio, pixelOf, type StudioPage } from '../helpers/studio-page';
import { waitFor } from '../helpers/wait';

const PROMPT = 'a red star and a blue circle on a green background';

// The editor as a new user meets it: words of the prompt painted into regions, a box, a scene graph, undo, and a run that follows the drawing.
describe('the canvas editor in browser mode', { skip: noChromium }, () => {
  const home = temporary('home');
  let studio: StudioPage;
  let page: Page;
  const shown = async () => JSON.parse((await page.getByRole('region', { name: 'Layers' }).getAttribute('data-document')) ?? 'null') as CanvasDocument;
  /** Every document the edits went through, to undo back along. */
  const states: CanvasDocument[] = [];
  const record = async () => states.push(await shown());

  /** Selects the words of the prompt from `start`, `length` characters, with the keyboard. */
  const selectWords = async (start: number, length: number) => {
    const prompt = page.getByTestId('prompt');
    await prompt.focus();
    await page.keyboard.press('Control+Home');
    for (let i = 0; i < start; i++) await page.keyboard.press('ArrowRight');
    for (let i = 0; i < length; i++) await page.keyboard.press('Shift+ArrowRight');
  };
  /** How many pixels of a colour (within a tolerance) the canvas shows. */
  const pixelsOf = ([r, g, b]: [number, number, number]) => canvasPixels(page, (pr, pg, pb) => Math.abs(pr - r) + Math.abs(pg - g) + Math.abs(pb - b) < 30);

  before(async () => {
    studio = await openStudio({ home });
    page = studio.page;
    await page.getByTestId('prompt').fill(PROMPT);
    await record();
  });
  after(() => studio?.close());

  test('selecting two phrases of the prompt and painting binds each to a region of its own colour', async () => {
    await selectWords(2, 8);
    await page.getByRole('button', { name: 'Brush (B)' }).click();
    await dragThrough(page, [[0.2, 0.3], [0.35, 0.3], [0.35, 0.4]]);
    await record();
    await selectWords(17, 11);
    await dragThrough(page, [[0.6, 0.7], [0.8, 0.7]]);
    await record();
    const regions = (await shown()).layers.filter((l) => l.kind === 'word-region');
    assert.deepEqual(regions.map((r) => r.kind === 'word-region' && r.phrase), ['red star', 'blue circle']);
    assert.notEqual(regions[0]!.kind === 'word-region' && regions[0]!.colour, regions[1]!.kind === 'word-region' && regions[1]!.colour);
    // Bound phrases are marked in the prompt; each stroke shows on the canvas in its region's colour.
    assert.deepEqual(await page.locator('.highlight-backdrop mark').allInnerTexts(), ['red star', 'blue circle']);
    assert.ok((await page.getByRole('listitem', { name: 'red star' }).count()) === 1);
    // The token view shows the prompt as the model's CLIP tokenizer splits it, the painted phrases' tokens in their colours.
    assert.equal(await page.getByTestId('token-count').innerText(), '11/75');
    await page.getByTestId('token-count').click();
    const tokens = page.getByRole('list', { name: 'Prompt tokens' }).getByRole('listitem');
    assert.deepEqual(await tokens.allInnerTexts(), PROMPT.split(' '));
    const painted = await tokens.evaluateAll((items) => items.map((item) => (item as HTMLElement).style.backgroundColor !== ''));
    assert.deepEqual(painted, [false, true, true, false, false, true, true, false, false, false, false]);

    // A phrase edited out of the prompt is flagged in words before any run, and the flag goes when it is back.
    await page.getByTestId('prompt').fill('a red star and a square on a green background');
    await page.getByRole('list', { name: 'Region problems' }).getByText('"blue circle" is no longer in the prompt').waitFor();
    await page.getByTestId('prompt').fill(PROMPT);
    await page.getByRole('list', { name: 'Region problems' }).waitFor({ state: 'detached' });
  });

  test('a box drawn with the box tool is labelled from the prompt and can be given its own prompt', async () => {
    await page.getByRole('button', { name: 'Box (R)' }).click();
    await dragThrough(page, [[0.1, 0.55], [0.3, 0.7], [0.4, 0.9]]);
    await record();
    // "red star" and "blue circle" are painted, not boxed: the first thing the prompt names that no box has yet.
    assert.equal(await page.getByLabel('Label of box 1').inputValue(), 'red star');
    await page.getByLabel('Label of box 1').fill('green background');
    await page.getByLabel('Label of box 1').press('Enter');
    await record();
    const boxes = (await shown()).layers.find((l) => l.kind === 'layout-boxes');
    assert.ok(boxes?.kind === 'layout-boxes');
    assert.equal(boxes.boxes[0]!.label, 'green background');
    for (const [key, expected] of [['x', 0.1], ['y', 0.55], ['width', 0.3], ['height', 0.35]] as const) assert.ok(Math.abs(boxes.boxes[0]!.rect[key] - expected) < 0.02, `${key}: ${boxes.boxes[0]!.rect[key]}`);
  });

  test('a three-object scene graph is laid out live on the canvas; a contradiction is named on its relations', async () => {
    const graphColour: [number, number, number] = [0xc6, 0x78, 0xdd];
    const before = await pixelsOf(graphColour);
    await page.getByRole('button', { name: 'Scene graph', exact: true }).click();
    await record();
    for (const [name, colour] of [['cat', 'orange'], ['dog', 'brown'], ['ball', 'red']] as const) {
      await page.getByLabel('Object name').fill(name);
      await page.getByLabel('Object colour').selectOption(colour);
      await page.getByRole('button', { name: 'Add object' }).click();
      await record();
    }
    const relate = async (subject: string, relation: string, object: string) => {
      await page.getByLabel('Subject').selectOption({ label: subject });
      await page.getByLabel('Relation', { exact: true }).selectOption(relation);
      await page.getByLabel('Object', { exact: true }).selectOption({ label: object });
      await page.getByRole('button', { name: 'Relate' }).click();
    };
    await relate('orange cat', 'left of', 'brown dog');
    await record();
    await relate('red ball', 'below', 'orange cat');
    await record();
    // In the graph view: drag from one object's lower handle to another's upper one; the edge takes the relation chosen below.
    await page.getByLabel('Relation', { exact: true }).selectOption('near');
    const [ball, dog] = [(await page.getByLabel('Object red ball', { exact: true }).boundingBox())!, (await page.getByLabel('Object brown dog', { exact: true }).boundingBox())!];
    await page.mouse.move(ball.x + ball.width / 2, ball.y + ball.height - 1);
    await page.mouse.down();
    await page.mouse.move(dog.x + dog.width / 2, dog.y + 10, { steps: 10 });
    await page.mouse.move(dog.x + dog.width / 2, dog.y + 1, { steps: 2 });
    await page.mouse.up();
    await page.getByRole('button', { name: 'Remove relation ball near dog' }).waitFor();
    await record();
    // The solved boxes (from the layout worker) are drawn on the canvas in the graph's colour.
    await page.locator('[data-testid=layout-seed][data-pending=false]').waitFor();
    await page.waitForFunction(() => true);
    assert.ok((await pixelsOf(graphColour)) > before + 200, 'the live layout is drawn');

    await relate('brown dog', 'left of', 'orange cat');
    const alert = page.getByRole('alert').filter({ hasText: 'dog left of cat' });
    await alert.waitFor();
    await record();
    assert.match(await alert.innerText(), /go round in a circle: cat left of dog, dog left of cat/);
    assert.equal(await page.getByRole('listitem').filter({ hasText: /^dog left of cat/ }).getAttribute('data-conflict'), 'true');
    await page.getByRole('button', { name: 'Remove relation dog left of cat' }).click();
    await alert.waitFor({ state: 'detached' });
    assert.deepEqual(await shown(), states.at(-2));
    await record();

    await page.getByRole('button', { name: 'Turn into boxes' }).click();
    const turned = await shown();
    const fromGraph = turned.layers.find((l) => l.name === 'Boxes from graph');
    assert.ok(fromGraph?.kind === 'layout-boxes' && fromGraph.boxes.length === 3);
    assert.equal(turned.layers.find((l) => l.kind === 'scene-graph')?.visible, false);
    await page.keyboard.press('Control+z');
    assert.deepEqual(await shown(), states.at(-1));
  });

  test('undo walks back through every edit, one at a time, and redo replays them', async () => {
    await page.getByTestId('canvas').click({ position: { x: 5, y: 5 } });
    const last = states.length - 1;
    for (let i = last; i > 0; i--) {
      assert.deepEqual(await shown(), states[i], `state ${i}`);
      await page.keyboard.press('Control+z');
    }
    assert.deepEqual((await shown()).layers, []);
    for (let i = 1; i <= last; i++) {
      await page.keyboard.press('Control+Shift+Z');
      assert.deepEqual(await shown(), states[i], `redo to state ${i}`);
    }
  });

  test('a run follows the drawing: its sidecar holds the regions as painted, the box as dragged and the graph; the result, accepted, comes back as a layer', async () => {
    await page.getByTestId('model').selectOption({ label: 'sd1-optimum (sd1)' });
    await page.getByTestId('steps').fill('2');
    await page.getByTestId('width').fill('64');
    await page.getByTestId('height').fill('64');
    // What is shown is what runs: the live layout and the seed it names are the run's.
    const hint = page.getByTestId('layout-seed');
    await page.locator('[data-testid=layout-seed][data-pending=false]').waitFor();
    const shownSeed = Number(await page.getByTestId('seed').inputValue());
    assert.match(await hint.innerText(), new RegExp(`seed ${shownSeed},`));
    const shownLayout = JSON.parse((await hint.getAttribute('data-layout')) ?? 'null') as unknown[];
    assert.equal(shownLayout.length, 3);
    const count = await page.locator('[data-testid=gallery] button.thumb').count();
    await page.getByTestId('generate').click();
    await page.locator('[data-testid=gallery] button.thumb').nth(count).waitFor();
    // The result waits on the staging area; accepting it makes it a layer.
    await page.getByRole('group', { name: 'Staged results' }).getByRole('button', { name: 'Accept (Enter)' }).click();
    await page.getByRole('listitem', { name: /^Result \d+$/ }).waitFor();
    const id = ((await page.locator('[data-testid=gallery] button.thumb').first().locator('img').getAttribute('src')) ?? '').replace(/^.*\//, '').replace(/\.png.*$/, '');
    const sidecar = JSON.parse(readFileSync(join(home, 'gallery', `${id}.json`), 'utf8')) as {
      request: { seed: number; conditioning: { regions: { phrase: string; mask: { png: string } }[]; boxes: { label: string; rect: Record<string, number> }[]; sceneGraph: { objects: unknown[]; relations: unknown[] } } };
      run: { layout: unknown[] };
    };
    assert.equal(sidecar.request.seed, shownSeed);
    assert.deepEqual(sidecar.run.layout, shownLayout);
    // The graph's node view stays drawn after a run (its nodes keep their measured sizes across renders).
    // After the run's last re-render (the next seed drawn, the result layered), not before it.
    await page.waitForFunction((before) => (document.querySelector('[data-testid=seed]') as HTMLInputElement).value !== String(before), shownSeed);
    await page.getByRole('listitem', { name: /^Result \d+$/ }).waitFor();
    // Every render after it too (another seed re-renders the graph editor with its layout).
    await page.getByTestId('seed').fill(String(shownSeed + 1));
    // Once the layout for that seed is shown, the graph editor has been drawn with it.
    await page.waitForFunction((seed) => {
      const hint = document.querySelector('[data-testid=layout-seed]');
      return hint?.getAttribute('data-pending') === 'false' && (hint.textContent ?? '').includes(`seed ${seed},`);
    }, shownSeed + 1);
    for (const words of ['red ball', 'brown dog', 'orange cat']) assert.ok(await page.getByLabel(`Object ${words}`, { exact: true }).isVisible(), `node ${words} visible after the run`);
    const { regions, boxes, sceneGraph } = sidecar.request.conditioning;
    assert.deepEqual(regions.map((r) => r.phrase), ['red star', 'blue circle']);
    // Painted where the strokes went, and nowhere else.
    assert.ok(pixelOf(regions[0]!.mask.png, 0.28, 0.3) > 200 && pixelOf(regions[0]!.mask.png, 0.35, 0.38) > 200);
    assert.ok(pixelOf(regions[0]!.mask.png, 0.7, 0.7) < 20 && pixelOf(regions[0]!.mask.png, 0.05, 0.05) < 20);
    assert.ok(pixelOf(regions[1]!.mask.png, 0.7, 0.7) > 200 && pixelOf(regions[1]!.mask.png, 0.28, 0.3) < 20);
    assert.equal(boxes[0]?.label, 'green background');
    assert.ok(Math.abs(boxes[0]!.rect.x! - 0.1) < 0.02 && Math.abs(boxes[0]!.rect.y! - 0.55) < 0.02);
    assert.deepEqual([sceneGraph.objects.length, sceneGraph.relations.length], [3, 3]);

    // The accepted result is main's already (made an asset from its gallery file): a run from it uploads no picture.
    await page.getByLabel('Start from').selectOption({ label: `Result ${shownSeed}` });
    const before = studio.sent.length;
    await page.getByTestId('generate').click();
    await page.locator('[data-testid=gallery] button.thumb').nth(count + 1).waitFor();
    const messages = studio.sent.slice(before);
    assert.equal(messages.filter((m) => m.includes('"generate"')).length, 1);
    assert.deepEqual(messages.filter((m) => m.includes('"assets.upload"')), []);
    const next = ((await page.locator('[data-testid=gallery] button.thumb').first().locator('img').getAttribute('src')) ?? '').replace(/^.*\//, '').replace(/\.png.*$/, '');
    const { request } = JSON.parse(readFileSync(join(home, 'gallery', `${next}.json`), 'utf8')) as { request: { init: { image: string } } };
    assert.deepEqual(readFileSync(request.init.image), readFileSync(join(home, 'gallery', `${id}.png`)), 'the run started from the result file itself');
  });

  test('img2img and inpainting start from a picture layer, repainting where the inpaint mask is painted', async () => {
    const picture = join(temporary('pictures'), 'meadow.png');
    writeFileSync(picture, encodePng(64, 64, new Uint8Array(64 * 64 * 3).fill(120)));
    await page.getByLabel('Image to import').setInputFiles(picture);
    await page.getByRole('listitem', { name: 'meadow' }).waitFor();
    await page.getByRole('button', { name: 'Inpaint mask', exact: true }).click();
    assert.equal(await page.getByTestId('canvas').getAttribute('data-tool'), 'brush');
    await dragThrough(page, [[0.45, 0.5], [0.55, 0.5]]);
    await page.getByLabel('Start from').selectOption({ label: 'meadow' });
    await page.getByLabel('Repaint strength').fill('0.6');
    const count = await page.locator('[data-testid=gallery] button.thumb').count();
    await page.getByTestId('generate').click();
    await page.locator('[data-testid=gallery] button.thumb').nth(count).waitFor();
    const id = ((await page.locator('[data-testid=gallery] button.thumb').first().locator('img').getAttribute('src')) ?? '').replace(/^.*\//, '').replace(/\.png.*$/, '');
    const { request } = JSON.parse(readFileSync(join(home, 'gallery', `${id}.json`), 'utf8')) as { request: { init: { image: string; strength: number }; mask: string } };
    assert.equal(request.init.strength, 0.6);
    // The start image is the picture as it lies on the page; the mask is white where painted.
    assert.equal(pixelOf(request.init.image, 0.5, 0.5), 120);
    assert.ok(pixelOf(request.mask, 0.5, 0.5) > 200 && pixelOf(request.mask, 0.1, 0.1) < 20);

    // Removing the picture a run starts from asks first: No keeps both; Yes removes it and the run is text to image again.
    const chosen = await page.getByLabel('Start from').inputValue();
    page.once('dialog', (dialog) => void dialog.dismiss());
    await page.getByRole('button', { name: 'Remove layer meadow' }).click();
    assert.equal(await page.getByRole('listitem', { name: 'meadow' }).count(), 1);
    assert.equal(await page.getByLabel('Start from').inputValue(), chosen);
    let asked = '';
    page.once('dialog', (dialog) => {
      asked = dialog.message();
      void dialog.accept();
    });
    await page.getByRole('button', { name: 'Remove layer meadow' }).click();
    await page.getByRole('listitem', { name: 'meadow' }).waitFor({ state: 'detached' });
    assert.match(asked, /meadow is the picture the next run starts from/);
    assert.equal(await page.getByLabel('Start from').inputValue(), '');
    await page.keyboard.press('Control+z');
    await page.getByRole('listitem', { name: 'meadow' }).waitFor();
  });

  test('the live preview is drawn on the canvas, and Esc from the canvas cancels the run', async () => {
    await page.getByTestId('steps').fill('200');
    await page.getByTestId('width').fill('256');
    await page.getByTestId('height').fill('256');
    await page.getByTestId('generate').click();
    await page.locator('[data-testid=canvas][data-preview=shown]').waitFor();
    await page.getByTestId('canvas').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Escape');
    await page.locator('[data-testid=generation-phase][data-phase=cancelled]').waitFor();
    await page.locator('[data-testid=canvas][data-preview=""]').waitFor();
  });
});

// The tools by their keys, as a person who keeps a hand on the keyboard uses them.
describe('canvas tools by keyboard and mouse', { skip: noChromium }, () => {
  let studio: StudioPage;
  let page: Page;
  const shown = async () => JSON.parse((await page.getByRole('region', { name: 'Layers' }).getAttribute('data-document')) ?? 'null') as CanvasDocument;
  const view = async () => Object.fromEntries(await Promise.all(['data-x', 'data-y', 'data-scale'].map(async (a) => [a, Number(await page.getByTestId('canvas').getAttribute(a))] as const)));
  const redPixels = () => canvasPixels(page, (r, _g, b) => r > 110 && r - b > 40);

  before(async () => {
    studio = await openStudio();
    page = studio.page;
  });
  after(() => studio?.close());

  test('B paints, ] enlarges the brush, E erases part of the stroke', async () => {
    await page.getByTestId('prompt').fill('a red star');
    const prompt = page.getByTestId('prompt');
    await prompt.focus();
    await page.keyboard.press('Control+End');
    for (let i = 0; i < 8; i++) await page.keyboard.press('Shift+ArrowLeft');
    // From the prompt, the hint's Alt+B picks the brush and types nothing over the selected words.
    await page.getByTestId('canvas').focus();
    await page.keyboard.press('v');
    assert.match(await page.getByTestId('binding-hint').innerText(), /Paint “red star” \(Alt\+B\)/);
    await prompt.focus();
    await page.keyboard.press('Alt+b');
    assert.equal(await prompt.inputValue(), 'a red star');
    assert.equal(await page.getByTestId('canvas').getAttribute('data-tool'), 'brush');
    await page.getByTestId('canvas').focus();
    await page.keyboard.press('v');
    await page.keyboard.press('b');
    await page.keyboard.press(']');
    await page.keyboard.press(']');
    assert.equal(await page.getByLabel('Brush size ([ and ])').inputValue(), '46');
    await dragThrough(page, [[0.2, 0.5], [0.5, 0.5], [0.8, 0.5]]);
    // What the canvas shows once two looks agree, however long drawing takes on this machine.
    const settled = (what: string) => {
      let last = -1;
      return waitFor(what, async () => {
        const [seen, previous] = [await redPixels(), last];
        last = seen;
        return seen === previous ? seen : undefined;
      });
    };
    await waitFor('the stroke to show', async () => ((await redPixels()) > 5000 ? true : undefined));
    const painted = await settled('the stroke drawn');
    await page.keyboard.press('e');
    await dragThrough(page, [[0.4, 0.5], [0.6, 0.5]]);
    await waitFor('the eraser to take', async () => ((await redPixels()) < painted ? true : undefined));
    const left = await settled('the erased stroke drawn');
    assert.ok(left < painted * 0.8 && left > painted * 0.3, `${painted} → ${left}`);
  });

  test('R draws a box; V drags it and resizes it by its handle; Delete removes it', async () => {
    await page.keyboard.press('r');
    await dragThrough(page, [[0.1, 0.1], [0.2, 0.2], [0.3, 0.3]]);
    const boxOf = async () => (await shown()).layers.flatMap((l) => (l.kind === 'layout-boxes' ? l.boxes : []))[0];
    await page.keyboard.press('v');
    await dragThrough(page, [[0.2, 0.2], [0.3, 0.25], [0.5, 0.3]]);
    const moved = (await boxOf())!;
    assert.ok(Math.abs(moved.rect.x - 0.4) < 0.02 && Math.abs(moved.rect.y - 0.2) < 0.02 && Math.abs(moved.rect.width - 0.2) < 0.02, JSON.stringify(moved.rect));
    // The bottom-right handle sits on the box's corner.
    await dragThrough(page, [[0.6, 0.4], [0.65, 0.45], [0.7, 0.5]]);
    const resized = (await boxOf())!;
    assert.ok(Math.abs(resized.rect.x - 0.4) < 0.02 && Math.abs(resized.rect.width - 0.3) < 0.02 && Math.abs(resized.rect.height - 0.3) < 0.02, JSON.stringify(resized.rect));
    await page.keyboard.press('Delete');
    assert.equal(await boxOf(), undefined);
  });

  test('Space-drag and the middle button pan whatever the tool', async () => {
    await page.keyboard.press('b');
    const box = (await page.getByTestId('canvas').boundingBox())!;
    const start = await view();
    await page.mouse.move(box.x + 100, box.y + 100);
    await page.keyboard.down(' ');
    await page.mouse.down();
    await page.mouse.move(box.x + 140, box.y + 120, { steps: 4 });
    await page.mouse.up();
    await page.keyboard.up(' ');
    const spaced = await view();
    assert.ok(Math.abs(spaced['data-x']! - start['data-x']! - 40) < 0.2 && Math.abs(spaced['data-y']! - start['data-y']! - 20) < 0.2, JSON.stringify({ start, spaced }));
    await page.mouse.down({ button: 'middle' });
    await page.mouse.move(box.x + 110, box.y + 90, { steps: 4 });
    await page.mouse.up({ button: 'middle' });
    const middle = await view();
    assert.ok(Math.abs(middle['data-x']! - spaced['data-x']! + 30) < 0.2 && Math.abs(middle['data-y']! - spaced['data-y']! + 30) < 0.2, JSON.stringify({ spaced, middle }));
    // Neither pan painted anything: the one region holds its one stroke and its one erase.
    assert.equal((await shown()).layers.filter((l) => l.kind === 'word-region').length, 1);
  });
});

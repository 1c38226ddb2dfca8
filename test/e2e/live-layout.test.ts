import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { emptyDocument, LayerId } from '../../app/document/document';
import { sceneGraphLayer } from '../../app/document/edits';
import { defaultRunSettings } from '../../app/document/run-settings';
import { solveSceneGraph } from '../../app/domain/scene-layout';
import { nestedGraph, sequence } from '../../bench/evaluation/layout-quality';
import { loadLargeProgramSolver } from '../../main/engine/conditioning/large-programs';
import { temporary } from '../helpers/backend';
import { noChromium } from '../helpers/browser';
import { openStudio, type StudioPage } from '../helpers/studio-page';
import { zipOf } from '../helpers/zip';

// The live layout is solved in a worker: the page never waits for it, and it is the layout the engine makes.
describe('the live scene-graph layout', { skip: noChromium }, () => {
  const home = temporary('home');
  const graph = nestedGraph(32, 128, sequence(11));
  let studio: StudioPage;
  let page: Page;

  before(async () => {
    mkdirSync(join(home, 'projects'), { recursive: true });
    const layer = { ...sceneGraphLayer(LayerId.parse('layer_big')), objects: graph.objects.map((o) => ({ ...o, attributes: [] })), relations: graph.relations };
    const document = { ...emptyDocument(512, 512), layers: [layer] };
    const panel = { ...defaultRunSettings(5), newSeedEachRun: false, overrides: { width: 512, height: 512 } };
    writeFileSync(join(home, 'projects', 'big-graph.wbproj'), await zipOf({ 'project.json': JSON.stringify({ format: 'wordbrush-project', version: 1, savedAt: '', document, panel }) }));
    studio = await openStudio({ home, viewport: { width: 1440, height: 900 } });
    page = studio.page;
    await page.locator('[data-testid=inference][data-state=ready]').waitFor();
  });
  after(async () => {
    await studio?.close();
  });

  test('a 32-object graph is laid out off the page’s thread, as the engine lays it out', async () => {
    await page.getByLabel('Open project').selectOption('big-graph');
    const hint = page.getByTestId('layout-seed');
    await page.locator('[data-testid=layout-seed][data-pending=true]').waitFor();
    await page.locator('[data-testid=layout-seed][data-pending=false]').waitFor({ timeout: 60_000 });
    assert.match(await hint.innerText(), /Laid out for seed 5,/);
    const shown = JSON.parse((await hint.getAttribute('data-layout')) ?? '[]') as unknown[];
    assert.equal(shown.length, 32);
    // Solved in the layout worker, not on the page's thread (where this graph's solve alone stalls it for about a second).
    assert.equal(await hint.getAttribute('data-solved-in'), 'worker');

    await loadLargeProgramSolver();
    const engine = solveSceneGraph({ objects: graph.objects, relations: graph.relations }, 5, 1);
    assert.ok(engine.ok);
    assert.deepEqual(shown, JSON.parse(JSON.stringify(engine.boxes)));
  });
});

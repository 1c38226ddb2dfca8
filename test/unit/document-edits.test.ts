import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bindingIssues, promptHighlights } from '../../app/document/bindings';
import { CanvasDocument, emptyDocument, type LayerId } from '../../app/document/document';
import * as edits from '../../app/document/edits';
import { commit, startHistory, undo } from '../../app/document/history';
import { nounPhrases } from '../../app/domain/noun-phrases';
import { asset, everyKind } from '../helpers/documents';

const id = (n: string) => edits.newLayerId(n);
const start: CanvasDocument = { ...emptyDocument(), layers: everyKind };
const [photo, star, sky, boxes, graph, fix] = everyKind.map((l) => l.id) as [LayerId, LayerId, LayerId, LayerId, LayerId, LayerId];
const rect = { x: 0.5, y: 0.5, width: 0.25, height: 0.25 };

// Every edit the editor makes, each from the document before it: each must give a valid document and undo exactly.
const EDITS: [string, (d: CanvasDocument) => CanvasDocument][] = [
  ['add a word region', (d) => edits.addLayer(d, edits.wordRegion(id('fox'), 'fox', asset('fox-mask'), edits.nextRegionColour(d)))],
  ['add a regional prompt', (d) => edits.addLayer(d, edits.regionalPrompt(id('sea'), 'a calm sea', asset('sea-mask'), '#61afef'))],
  ['add an inpaint mask', (d) => edits.addLayer(d, edits.inpaintMask(id('patch'), asset('patch-mask')))],
  ['paint a stroke (a new mask)', (d) => edits.setMask(d, star, asset('star-mask-2'))],
  ['rebind a phrase', (d) => edits.setPhrase(d, star, 'golden star')],
  ['change a strength', (d) => edits.setStrength(d, star, 2.5)],
  ['rewrite a regional prompt', (d) => edits.setRegionalPrompt(d, sky, 'a clear sky')],
  ['hide, lock and fade a layer', (d) => edits.updateLayer(d, photo, { visible: false, locked: true, opacity: 0.5 })],
  ['move a layer up', (d) => edits.moveLayer(d, photo, 1)],
  ['move a layer down', (d) => edits.moveLayer(d, fix, -1)],
  ['remove a layer', (d) => edits.removeLayer(d, sky)],
  ['draw a box', (d) => edits.addBox(d, boxes, { id: 'b2', rect, label: 'moon', strength: 1 })],
  ['drag or resize a box', (d) => edits.updateBox(d, boxes, 'b1', { rect })],
  ['label a box and give it a prompt', (d) => edits.updateBox(d, boxes, 'b1', { label: 'blue moon', prompt: 'a glowing moon' })],
  ['reorder boxes', (d) => edits.moveBox(d, boxes, 'b2', -1)],
  ['remove a box', (d) => edits.removeBox(d, boxes, 'b1')],
  ['add a boxes layer', (d) => edits.addLayer(d, edits.boxesLayer(id('more')))],
  ['add a scene graph', (d) => edits.addLayer(d, edits.sceneGraphLayer(id('g2')))],
  ['add an object', (d) => edits.addObject(d, graph, { id: 'bird', name: 'bird', attributes: ['small'] })],
  ['rename an object', (d) => edits.updateObject(d, graph, 'dog', { name: 'wolf', attributes: ['grey'] })],
  ['relate two objects', (d) => edits.addRelation(d, graph, { subject: 'dog', predicate: 'above', object: 'cat' })],
  ['remove a relation', (d) => edits.removeRelation(d, graph, 0)],
  ['remove an object (and its relations)', (d) => edits.removeObject(d, graph, 'cat')],
  ['turn a graph into boxes', (d) => edits.graphToBoxes(d, graph, id('from-graph'), [{ id: 'cat', rect, label: 'cat' }])],
  ['resize the page', (d) => edits.resizeCanvas(d, { width: 64, height: 96 })],
];

describe('document edits', () => {
  test('every kind of edit gives a valid document, and one undo restores the one before exactly', () => {
    let history = startHistory(start);
    const before: CanvasDocument[] = [];
    for (const [name, change] of EDITS) {
      const next = change(history.present);
      assert.notEqual(next, history.present, `${name} changed nothing`);
      assert.ok(CanvasDocument.safeParse(next).success, `${name} gave an invalid document: ${JSON.stringify(CanvasDocument.safeParse(next).error?.issues)}`);
      before.push(structuredClone(history.present));
      history = commit(history, next);
    }
    for (const [name] of [...EDITS].reverse()) {
      history = undo(history);
      assert.deepEqual(history.present, before.pop(), `undo of ${name}`);
    }
    assert.deepEqual(history.present, start);
  });

  test('removing an object takes its relations; a relation to itself or twice is no edit', () => {
    const removed = edits.removeObject(start, graph, 'cat').layers.find((l) => l.id === graph);
    assert.deepEqual(removed?.kind === 'scene-graph' && [removed.objects.map((o) => o.id), removed.relations], [['dog'], []]);
    assert.equal(edits.addRelation(start, graph, { subject: 'cat', predicate: 'near', object: 'cat' }), start);
    const twice = edits.addRelation(start, graph, { subject: 'cat', predicate: 'left of', object: 'dog' }).layers.find((l) => l.id === graph);
    assert.equal(twice?.kind === 'scene-graph' && twice.relations.length, 1);
  });

  test('turning a graph into boxes hides the graph and puts the boxes right above it', () => {
    const turned = edits.graphToBoxes(start, graph, id('from-graph'), [{ id: 'cat', rect, label: 'cat' }]);
    const at = turned.layers.findIndex((l) => l.id === graph);
    assert.equal(turned.layers[at]!.visible, false);
    assert.deepEqual(turned.layers[at + 1], { id: id('from-graph'), name: 'Boxes from graph', visible: true, locked: false, opacity: 1, kind: 'layout-boxes', boxes: [{ id: 'cat', rect, label: 'cat', strength: 1 }] });
  });

  test('an empty prompt takes a box its own prompt away; new regions take colours no region has', () => {
    const withPrompt = edits.updateBox(start, boxes, 'b1', { prompt: 'a glowing moon' });
    const without = edits.updateBox(withPrompt, boxes, 'b1', { prompt: '  ' });
    assert.deepEqual(without, start);
    assert.equal(edits.nextRegionColour(emptyDocument()), edits.REGION_COLOURS[0]);
    const used = edits.addLayer(emptyDocument(), edits.wordRegion(id('a'), 'a', asset('a'), edits.REGION_COLOURS[0]));
    assert.equal(edits.nextRegionColour(used), edits.REGION_COLOURS[1]);
  });
});

describe('prompt bindings', () => {
  const region = (name: string, phrase: string, colour = '#ff0000') => edits.wordRegion(id(name), phrase, asset(`${name}-mask`), colour);
  const doc = (...layers: ReturnType<typeof region>[]) => ({ ...emptyDocument(), layers });
  const painted = () => true;

  test('bound phrases are highlighted where the engine finds them, in their colours', () => {
    const highlights = promptHighlights(doc(region('s', 'red star'), region('c', 'circle', '#00ff00')), 'A Red Star beside a circle, circles');
    assert.deepEqual(highlights, [
      { start: 2, end: 10, colour: '#ff0000', layer: id('s') },
      { start: 20, end: 26, colour: '#00ff00', layer: id('c') },
    ]);
  });

  const cases: [string, ReturnType<typeof doc>, string, (l: LayerId) => boolean | undefined, string[]][] = [
    ['a phrase still there is no problem', doc(region('s', 'star')), 'a star', painted, []],
    ['a phrase edited out of the prompt is flagged', doc(region('s', 'star')), 'a moon', painted, ['phrase-gone']],
    ['a phrase only inside other words is one the engine would not find', doc(region('s', 'star')), 'many stars', painted, ['not-whole-words']],
    ['a phrase bound twice is flagged on the second region', doc(region('a', 'star'), region('b', 'Star')), 'a star', painted, ['bound-twice']],
    ['a region that covers nothing is flagged', doc(region('s', 'star')), 'a star', () => false, ['covers-nothing']],
    ['a region whose pixels are not read yet is not flagged', doc(region('s', 'star')), 'a star', () => undefined, []],
  ];
  for (const [name, document, prompt, isPainted, problems] of cases) {
    test(name, () => {
      const issues = bindingIssues(document, prompt, isPainted);
      assert.deepEqual(issues.map((i) => i.problem), problems);
      for (const issue of issues) assert.match(issue.message, /star|Star/);
    });
  }
});

describe('labels suggested for boxes', () => {
  const cases: [string, string[]][] = [
    ['a red star and a blue circle on a green background', ['red star', 'blue circle', 'green background']],
    ['(a big dog:1.3), the moon above a house BREAK a cat', ['big dog', 'moon', 'house', 'cat']],
    ['A fox, a fox in snow', ['fox', 'snow']],
    ['', []],
  ];
  for (const [prompt, expected] of cases) test(JSON.stringify(prompt), () => assert.deepEqual(nounPhrases(prompt), expected));
});

describe('the editor store', () => {
  test('undo steps keep old pixels, but only those the document names are saved or kept with a result', async () => {
    const { editorStore, edit, loadDocument, undoEdit, usedAssets, documentOf } = await import('../../renderer/src/document/editor-store');
    loadDocument({ ...emptyDocument(), layers: everyKind }, { [asset('star-mask')]: 'data:image/png;base64,AAAA', [asset('photo')]: 'data:image/png;base64,BBBB' }, false);
    edit((d) => edits.setMask(d, star, asset('star-mask-2')), { [asset('star-mask-2')]: 'data:image/png;base64,CCCC' });
    const state = editorStore.getState();
    assert.equal(Object.keys(state.assets).length, 3, 'the stroke before is still there to undo to');
    assert.deepEqual(Object.keys(usedAssets(documentOf(state), state.assets)).sort(), [asset('photo'), asset('star-mask-2')]);
    undoEdit();
    assert.deepEqual(Object.keys(usedAssets(documentOf(editorStore.getState()), editorStore.getState().assets)).sort(), [asset('photo'), asset('star-mask')]);
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StudioConditioning } from '../../app/contract/conditioning';
import { type AssetId, compileConditioning, DocumentError, emptyDocument, migrateDocument, type CanvasDocument, type Layer } from '../../app/document/document';
import { asset, box, everyKind } from '../helpers/documents';

describe('the canvas document', () => {
  test('reads its own version and refuses newer or damaged ones in words', () => {
    const document: CanvasDocument = { ...emptyDocument(768, 512), layers: everyKind };
    assert.deepEqual(migrateDocument(JSON.parse(JSON.stringify(document))), document);
    assert.throws(() => migrateDocument({ ...document, version: 2 }), (e: unknown) => e instanceof DocumentError && e.reason === 'newer-version' && /version 2, made by a newer Wordbrush/.test(e.message));
    assert.throws(() => migrateDocument({ ...document, layers: [everyKind[0], everyKind[0]] }), (e: unknown) => e instanceof DocumentError && /Layer ids must be unique/.test(e.message));
    assert.throws(() => migrateDocument('nonsense'), { reason: 'invalid' });
    assert.throws(() => migrateDocument({ ...document, layers: [{ ...everyKind[0], id: 'no-prefix' }] }), { reason: 'invalid' });
  });

  const url = (a: AssetId) => `asset_uploaded-${a.slice(6)}`;
  const cases: [string, Layer[], Partial<ReturnType<typeof compileConditioning>>][] = [
    ['nothing on the canvas gives no control', [], { regions: [], boxes: [] }],
    ['a word region binds its phrase to its mask', [everyKind[1]!], { regions: [{ id: 'layer_star', phrase: 'red star', strength: 1.5, mask: { kind: 'asset', asset: url(asset('star-mask')) } }], boxes: [] }],
    ['a regional prompt carries its own prompt', [everyKind[2]!], { regions: [{ id: 'layer_sky', prompt: 'a stormy sky', strength: 1, mask: { kind: 'asset', asset: url(asset('sky-mask')) } }], boxes: [] }],
    ['layout boxes pass through', [everyKind[3]!], { regions: [], boxes: [box] }],
    ['a scene graph gives the graph', [everyKind[4]!], { regions: [], boxes: [], sceneGraph: { objects: (everyKind[4] as Extract<Layer, { kind: 'scene-graph' }>).objects, relations: (everyKind[4] as Extract<Layer, { kind: 'scene-graph' }>).relations } }],
    ['images and inpaint masks add no conditioning', [everyKind[0]!, everyKind[5]!], { regions: [], boxes: [] }],
    ['hidden layers add nothing', [{ ...everyKind[1]!, visible: false }, { ...everyKind[3]!, visible: false }], { regions: [], boxes: [] }],
  ];
  for (const [name, layers, expected] of cases) {
    test(`compiles: ${name}`, () => {
      const compiled = compileConditioning({ ...emptyDocument(), layers }, url);
      for (const [key, value] of Object.entries(expected)) assert.deepEqual(compiled[key as keyof typeof compiled], value, key);
      if (!('sceneGraph' in expected)) assert.equal(compiled.sceneGraph, undefined);
      // What the canvas compiles to is always a document the studio's contract accepts.
      assert.ok(StudioConditioning.safeParse(compiled).success);
    });
  }
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConditioningDocument } from '../../app/contract/conditioning';
import { planConditioning, SceneGraphConflictError } from '../../main/engine/conditioning/plan';
import { encodePng } from '../../main/images/png';

/**
 * What a conditioning document becomes before any model runs: phrases painted
 * (bindings), prompts of their own (regional), a scene graph's boxes, and the
 * words said about regions that will have no effect.
 */
const left = { kind: 'rect' as const, rect: { x: 0, y: 0, width: 0.5, height: 1 } };
const plan = (doc: ConditioningDocument, prompt = 'a red star and a blue ring') => planConditioning(ConditioningDocument.parse(doc), prompt, 1, 8, 8);
/** A painted mask with nothing painted: black all over. */
const unpainted = `data:image/png;base64,${encodePng(16, 16, new Uint8Array(16 * 16 * 3)).toString('base64')}`;
const ids = (regions: readonly { id: string }[]) => regions.map((r) => r.id);

describe('planning the conditioning', () => {
  test('a region paints its phrase, prompts with its own prompt, or both; its strength and mask go with it', async () => {
    const { bindings, regional, warnings } = await plan({
      version: 1,
      regions: [
        { id: 'paint', phrase: 'red star', mask: left, strength: 2 },
        { id: 'own', prompt: 'a green cross', mask: left },
        { id: 'both', phrase: 'blue ring', prompt: 'a shiny blue ring', mask: left },
      ],
    });
    assert.deepEqual(
      bindings.map((b) => [b.id, b.phrase, b.strength]),
      [
        ['paint', 'red star', 2],
        ['both', 'blue ring', 1],
      ],
    );
    assert.deepEqual(
      regional.map((r) => [r.id, r.prompt]),
      [
        ['own', 'a green cross'],
        ['both', 'a shiny blue ring'],
      ],
    );
    // The left half of an 8x8 latent: columns 0-3 of every row.
    assert.deepEqual([...bindings[0]!.mask.data.slice(0, 8)], [1, 1, 1, 1, 0, 0, 0, 0]);
    assert.deepEqual(warnings, []);
  });

  test("a box whose label the prompt names paints it; one the prompt does not name prompts with its label; a box's own prompt is added", async () => {
    const rect = { x: 0.5, y: 0, width: 0.5, height: 0.5 };
    const { bindings, regional } = await plan({
      version: 1,
      boxes: [
        { id: 'named', label: 'red star', rect },
        { id: 'unnamed', label: 'a tall tree', rect },
        { id: 'prompted', label: 'blue ring', prompt: 'a ring of blue glass', rect, strength: 0.5 },
      ],
    });
    assert.deepEqual(ids(bindings), ['named', 'prompted']);
    assert.deepEqual(
      regional.map((r) => [r.id, r.prompt, r.strength]),
      [
        ['unnamed', 'a tall tree', 1],
        ['prompted', 'a ring of blue glass', 0.5],
      ],
    );
    // The top right quarter.
    assert.deepEqual([...bindings[0]!.mask.data.slice(0, 8)], [0, 0, 0, 0, 1, 1, 1, 1]);
    assert.equal(bindings[0]!.mask.data[4 * 8 + 4], 0);
  });

  test('regions without effect are said: a phrase not in the prompt (its own prompt still applying or not), a region off the image, a phrase written twice', async () => {
    const { bindings, regional, warnings } = await plan(
      {
        version: 1,
        regions: [
          { id: 'absent', phrase: 'purple cube', mask: left },
          { id: 'absent-own', phrase: 'green cross', prompt: 'a green cross', mask: left },
          { id: 'nowhere', phrase: 'blue ring', mask: { kind: 'image', png: unpainted } },
          { id: 'twice', phrase: 'red star', mask: left },
        ],
      },
      'a red star, a blue ring and a red star',
    );
    assert.deepEqual(ids(bindings), ['nowhere', 'twice']);
    assert.deepEqual(ids(regional), ['absent-own']);
    assert.deepEqual(warnings, [
      'Region absent: "purple cube" is not in the prompt, so it paints nothing',
      'Region absent-own: "green cross" is not in the prompt, so it paints nothing (its own prompt still applies)',
      'Region nowhere covers no part of the image',
      '"red star" occurs 2 times in the prompt; every occurrence is painted',
    ]);
  });

  test("a scene graph is solved into boxes named by its sentence, added to the prompt; the solver's words are prefixed; a contradiction is refused", async () => {
    const names = ['cat', 'dog', 'fox', 'cow', 'pig', 'hen', 'rat', 'bee'];
    const relations = names.slice(1).map((object, i) => ({ subject: names[i]!, predicate: 'left of' as const, object }));
    const solved = await plan({ version: 1, sceneGraph: { objects: names.map((name) => ({ id: name, name })), relations } }, 'a farm');
    assert.match(solved.prompt, /^a farm, a cat left of a dog, /);
    assert.deepEqual(ids(solved.layout), names);
    assert.deepEqual(ids(solved.bindings), names);
    // Eight side by side cannot all have the size they ask for; the words say so, and say it is the scene graph.
    assert.ok(solved.warnings.length > 0 && solved.warnings.every((w) => /^Scene graph: \w+ is drawn smaller than its size asks, to fit the relations$/.test(w)), solved.warnings.join('\n'));
    const contradiction = { objects: [{ id: 'cat', name: 'cat' }, { id: 'dog', name: 'dog' }], relations: [{ subject: 'cat', predicate: 'left of' as const, object: 'dog' }, { subject: 'dog', predicate: 'left of' as const, object: 'cat' }] };
    await assert.rejects(plan({ version: 1, sceneGraph: contradiction }), (e: unknown) => e instanceof SceneGraphConflictError && /^The scene graph cannot be laid out: /.test(e.message));
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RELATIONS, type NormalizedRect, type Relation } from '../../app/contract/conditioning';
import { relationHolds } from '../../app/domain/relations';
import { findContradictions } from '../../app/domain/layout-conflicts';
import { composePrompt, solveSceneGraph } from '../../app/domain/scene-layout';

const box = (x: number, y: number, width: number, height: number): NormalizedRect => ({ x, y, width, height });

describe('relation semantics (sg2im cones, containment first)', () => {
  // Subject boxes around an object at the centre: each case derived by hand from the centre displacement.
  const object = box(0.4, 0.4, 0.2, 0.2); // centre (0.5, 0.5)
  const cases: [string, NormalizedRect, Relation, boolean][] = [
    ['centre 0.3 left, same height', box(0.1, 0.4, 0.2, 0.2), 'left of', true],
    ['centre 0.3 left and 0.35 up (angle steeper than 45°)', box(0.1, 0.05, 0.2, 0.2), 'left of', false],
    ['centre 0.3 left and 0.35 up', box(0.1, 0.05, 0.2, 0.2), 'above', true],
    ['centre 0.3 right', box(0.7, 0.45, 0.2, 0.2), 'right of', true],
    ['centre 0.3 below', box(0.42, 0.7, 0.2, 0.2), 'below', true],
    ['a box inside the object', box(0.45, 0.45, 0.1, 0.1), 'inside', true],
    ['a box inside the object is not left of it', box(0.41, 0.45, 0.1, 0.1), 'left of', false],
    ['a box around the object', box(0.3, 0.3, 0.4, 0.4), 'surrounding', true],
    ['resting on top, touching', box(0.42, 0.22, 0.16, 0.18), 'on', true],
    ['above but floating', box(0.42, 0.05, 0.16, 0.18), 'on', false],
    ['hanging under, touching', box(0.42, 0.6, 0.16, 0.18), 'under', true],
    ['beside with a small gap', box(0.63, 0.42, 0.15, 0.15), 'next to', true],
    ['beside but far', box(0.85, 0.42, 0.15, 0.15), 'next to', false],
    ['near: centres 0.2 apart', box(0.6, 0.5, 0.1, 0.1), 'near', true],
    ['not near: centres 0.5 apart', box(0.0, 0.0, 0.1, 0.1), 'near', false],
  ];
  for (const [name, subject, predicate, holds] of cases) {
    test(`${name}: ${predicate} ${holds ? 'holds' : 'fails'}`, () => assert.equal(relationHolds(predicate, subject, object), holds));
  }
});

describe('scene-graph layout', () => {
  const objects = [
    { id: 'star', name: 'star', attributes: ['large', 'red'] },
    { id: 'ring', name: 'ring', attributes: ['small', 'blue'] },
    { id: 'box', name: 'box', attributes: ['green'] },
  ];
  for (const predicate of RELATIONS) {
    test(`satisfies "${predicate}" inside the image, without needless overlap`, () => {
      const relations = [{ subject: 'star', predicate, object: 'ring' }];
      for (const seed of [1, 2, 3]) {
        const result = solveSceneGraph({ objects: objects.slice(0, 2), relations }, seed);
        assert.ok(result.ok, JSON.stringify(result));
        const [star, ring] = result.boxes.map((b) => b.rect);
        assert.ok(relationHolds(predicate, star!, ring!), `${predicate} does not hold for seed ${seed}`);
        for (const b of result.boxes) assert.ok(b.rect.x >= 0 && b.rect.y >= 0 && b.rect.x + b.rect.width <= 1 + 1e-9 && b.rect.y + b.rect.height <= 1 + 1e-9);
      }
    });
  }

  test('satisfies several relations at once and keeps sizes from attributes', () => {
    const relations = [
      { subject: 'star', predicate: 'left of' as const, object: 'ring' },
      { subject: 'box', predicate: 'below' as const, object: 'star' },
      { subject: 'ring', predicate: 'above' as const, object: 'box' },
    ];
    const result = solveSceneGraph({ objects, relations }, 7);
    assert.ok(result.ok, JSON.stringify(result));
    const rect = (id: string) => result.boxes.find((b) => b.id === id)!.rect;
    for (const r of relations) assert.ok(relationHolds(r.predicate, rect(r.subject), rect(r.object)), r.predicate);
    assert.ok(rect('star').height > rect('ring').height * 1.8, 'large star, small ring');
  });

  test('is deterministic for a seed and varies across seeds', () => {
    const graph = { objects, relations: [{ subject: 'star', predicate: 'left of' as const, object: 'ring' }] };
    assert.deepEqual(solveSceneGraph(graph, 5), solveSceneGraph(graph, 5));
    assert.notDeepEqual(solveSceneGraph(graph, 5), solveSceneGraph(graph, 6));
  });

  test('composes the global prompt with the labels the boxes carry', () => {
    const result = solveSceneGraph({ objects, relations: [{ subject: 'star', predicate: 'left of', object: 'ring' }] }, 1);
    assert.ok(result.ok);
    assert.equal(result.prompt, 'a large red star left of a small blue ring, a green box');
    for (const b of result.boxes) assert.ok(result.prompt.includes(b.label), b.label);
    assert.equal(composePrompt(objects.slice(0, 1), []), 'a large red star');
  });

  test('fits a wide image: boxes keep their shape in pixels', () => {
    const result = solveSceneGraph({ objects: objects.slice(0, 1) }, 1, 2);
    assert.ok(result.ok);
    const { width, height } = result.boxes[0]!.rect;
    assert.ok(Math.abs((width * 2) / height - 1) < 1e-9);
  });
});

describe('contradictions are reported with the relations that conflict', () => {
  const r = (subject: string, predicate: Relation, object: string) => ({ subject, predicate, object });
  const cases: [string, ReturnType<typeof r>[], RegExp, number][] = [
    ['a left of b, b left of a', [r('a', 'left of', 'b'), r('b', 'left of', 'a')], /Left and right go round in a circle: a left of b, b left of a/, 2],
    ['a left of b, a right of b', [r('a', 'left of', 'b'), r('a', 'right of', 'b')], /Left and right go round in a circle/, 2],
    ['a three-way cycle above', [r('a', 'above', 'b'), r('b', 'above', 'c'), r('c', 'above', 'a')], /Above and below go round in a circle/, 3],
    ['on and under both ways', [r('a', 'on', 'b'), r('a', 'under', 'b')], /Above and below go round/, 2],
    ['inside each other', [r('a', 'inside', 'b'), r('b', 'inside', 'a')], /Containment goes round in a circle/, 2],
    ['inside and surrounding', [r('a', 'inside', 'b'), r('a', 'surrounding', 'b')], /Containment goes round in a circle/, 2],
    ['inside and left of', [r('a', 'inside', 'b'), r('a', 'left of', 'b')], /a pair nested in one another is in no direction from each other, nor near/, 2],
    ['left of and above the same object', [r('a', 'left of', 'b'), r('a', 'above', 'b')], /one pair cannot lie in two 45-degree cones at once/, 2],
    ['next to and on', [r('a', 'next to', 'b'), r('a', 'on', 'b')], /one pair cannot lie in two 45-degree cones at once/, 2],
    ['an object related to itself', [r('a', 'near', 'a')], /nothing can be near itself/, 1],
  ];
  for (const [name, relations, reason, count] of cases) {
    test(name, () => {
      const conflicts = findContradictions(relations);
      assert.ok(conflicts.length > 0);
      const matching = conflicts.find((c) => reason.test(c.reason));
      assert.ok(matching, conflicts.map((c) => c.reason).join(' | '));
      assert.equal(matching.relations.length, count);
      const result = solveSceneGraph({ objects: [...new Set(relations.flatMap((x) => [x.subject, x.object]))].map((id) => ({ id, name: id })), relations }, 1);
      assert.equal(result.ok, false);
    });
  }

  test('compatible relations are not reported', () => {
    assert.deepEqual(findContradictions([r('a', 'left of', 'b'), r('b', 'left of', 'c'), r('a', 'near', 'b'), r('d', 'inside', 'c')]), []);
  });
});

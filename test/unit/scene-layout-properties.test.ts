import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { RELATIONS, type NormalizedRect, type Relation } from '../../app/contract/conditioning';
import { relationHolds } from '../../app/domain/relations';
import { solveSceneGraph, type LayoutResult } from '../../app/domain/scene-layout';
import { repoRoot } from '../helpers/paths';
import { looksOf, nestedGraph, sequence } from '../../bench/evaluation/layout-quality';
import { loadLargeProgramSolver } from '../../main/engine/conditioning/large-programs';

interface Rel {
  subject: string;
  predicate: Relation;
  object: string;
}
const r = (subject: string, predicate: Relation, object: string): Rel => ({ subject, predicate, object });
const named = (...ids: string[]) => ids.map((id) => ({ id, name: id }));

/** Every relation holds between the solved boxes, and every box lies inside the image. */
function assertSatisfies(result: LayoutResult, relations: readonly Rel[]): void {
  assert.ok(result.ok, JSON.stringify(!result.ok && result.conflicts));
  const rect = (id: string) => result.boxes.find((b) => b.id === id)!.rect;
  for (const rel of relations) assert.ok(relationHolds(rel.predicate, rect(rel.subject), rect(rel.object)), `${rel.subject} ${rel.predicate} ${rel.object} does not hold`);
  for (const b of result.boxes) assert.ok(b.rect.x >= 0 && b.rect.y >= 0 && b.rect.x + b.rect.width <= 1 + 1e-9 && b.rect.y + b.rect.height <= 1 + 1e-9, `${b.id} leaves the image`);
}

/** 2-20 boxes anywhere (overlapping, nested or apart) and relations read off them: a layout exists, the boxes themselves. */
const readOffGraph = fc
  .array(fc.record({ x: fc.double({ min: 0, max: 0.95, noNaN: true }), y: fc.double({ min: 0, max: 0.95, noNaN: true }), w: fc.double({ min: 0.03, max: 0.5, noNaN: true }), h: fc.double({ min: 0.03, max: 0.5, noNaN: true }) }), { minLength: 2, maxLength: 20 })
  .chain((raw) => {
    const boxes: NormalizedRect[] = raw.map(({ x, y, w, h }) => ({ x, y, width: Math.min(w, 1 - x), height: Math.min(h, 1 - y) }));
    const pair = fc.tuple(fc.nat(boxes.length - 1), fc.nat(boxes.length - 1), fc.nat(RELATIONS.length - 1));
    return fc.tuple(fc.constant(boxes), fc.array(pair, { maxLength: boxes.length * 2 }));
  })
  .map(([boxes, picks]) => {
    const relations: Rel[] = [];
    for (const [i, j, k] of picks) {
      if (i === j) continue;
      const holding = RELATIONS.filter((p) => relationHolds(p, boxes[i]!, boxes[j]!));
      if (holding.length > 0) relations.push(r(`o${i}`, holding[k % holding.length]!, `o${j}`));
    }
    return { objects: boxes.map((_, i) => ({ id: `o${i}`, name: `o${i}` })), relations };
  });

describe('scene-graph solver: complete for satisfiable graphs (property tests)', () => {
  test('layouts look right: directional relations aimed well inside their cones, boxes off the border', () => {
    const random = sequence(3);
    const looks = looksOf(
      Array.from({ length: 16 }, (_, g) => {
        const count = 4 + Math.floor(random() * 13);
        const graph = nestedGraph(count, count * 2, random);
        const result = solveSceneGraph(graph, g);
        assertSatisfies(result, graph.relations);
        return { rects: new Map(result.ok ? result.boxes.map((b) => [b.id, b.rect]) : []), relations: graph.relations };
      }),
    );
    assert.ok(looks.nearEdge < 0.05, `${(100 * looks.nearEdge).toFixed(1)} % of ${looks.relations} directional relations within 5° of a cone edge`);
    assert.ok(looks.medianMargin >= 29.9, `median margin ${looks.medianMargin}°`);
    assert.ok(looks.touching < 0.1, `${(100 * looks.touching).toFixed(0)} % of ${looks.boxes} boxes touch the border`);
  });

  test('large graphs, solved by HiGHS, satisfy every relation as YALPS would', async () => {
    await loadLargeProgramSolver();
    for (let seed = 0; seed < 3; seed++) {
      const graph = nestedGraph(32, 96, sequence(50 + seed));
      assertSatisfies(solveSceneGraph(graph, seed), graph.relations);
    }
  });

  test('relations read off any layout of 2-20 boxes are always solved, and every one holds', () => {
    fc.assert(
      fc.property(readOffGraph, fc.nat(1000), (graph, seed) => assertSatisfies(solveSceneGraph(graph, seed), graph.relations)),
      { numRuns: 120, seed: 20261125 },
    );
  });

  test('a contradiction added to a satisfiable graph is refused with a conflict that is itself contradictory and minimal', () => {
    // These predicates contradict themselves with subject and object swapped (a cycle of two).
    const oneWay = new Set<Relation>(['left of', 'right of', 'above', 'below', 'inside', 'surrounding', 'on', 'under']);
    const contradictory = readOffGraph
      .filter((g) => g.relations.some((rel) => oneWay.has(rel.predicate)))
      .chain((g) => fc.tuple(fc.constant(g), fc.nat(g.relations.length - 1), fc.nat(g.relations.length)))
      .map(([g, pick, at]) => {
        const flippable = g.relations.filter((rel) => oneWay.has(rel.predicate));
        const base = flippable[pick % flippable.length]!;
        const relations = [...g.relations];
        relations.splice(at, 0, r(base.object, base.predicate, base.subject));
        return { objects: g.objects, relations };
      });
    fc.assert(
      fc.property(contradictory, (graph) => {
        const result = solveSceneGraph(graph, 1);
        assert.equal(result.ok, false);
        const conflict = !result.ok ? result.conflicts[0]!.relations : [];
        assert.ok(conflict.length >= 1);
        assert.equal(solveSceneGraph({ objects: graph.objects, relations: conflict }, 1).ok, false, 'the named conflict is contradictory on its own');
        for (let drop = 0; drop < conflict.length; drop++) {
          const rest = conflict.filter((_, i) => i !== drop);
          assert.ok(solveSceneGraph({ objects: graph.objects, relations: rest }, 1).ok, 'every member of the conflict is needed');
        }
      }),
      { numRuns: 60, seed: 20261125 },
    );
  });
});

describe('scene-graph solver: the layouts people draw', () => {
  test('"cat inside room, dog inside room": the room holds both, side by side', () => {
    const relations = [r('cat', 'inside', 'room'), r('dog', 'inside', 'room')];
    const result = solveSceneGraph({ objects: named('cat', 'dog', 'room'), relations }, 1);
    assertSatisfies(result, relations);
    assert.ok(result.ok);
    assert.deepEqual(result.warnings, []);
  });

  test('sixteen small objects and no relations fit without overlap', () => {
    const objects = Array.from({ length: 16 }, (_, i) => ({ id: `o${i}`, name: `shape${i}`, attributes: ['small'] }));
    for (const seed of [1, 2, 3]) {
      const result = solveSceneGraph({ objects }, seed);
      assert.ok(result.ok);
      assert.deepEqual(result.warnings, [], `seed ${seed}`);
    }
  });

  test('twelve small objects with twenty relations read off a non-overlapping layout solve for every seed', () => {
    // A 4x3 grid of cells a third of an image wide: each box sits in its cell, none overlap.
    const boxes = Array.from({ length: 12 }, (_, i) => ({ x: (i % 4) * 0.25 + 0.02, y: Math.floor(i / 4) * 0.33 + 0.02, width: 0.2, height: 0.2 }));
    const pairs = [[0, 1], [1, 2], [2, 3], [4, 5], [5, 6], [6, 7], [8, 9], [9, 10], [10, 11], [0, 4], [4, 8], [1, 5], [5, 9], [2, 6], [6, 10], [3, 7], [7, 11], [0, 5], [6, 11], [8, 1]] as const;
    const relations = pairs.map(([i, j]) => r(`o${i}`, RELATIONS.find((p) => p !== 'near' && relationHolds(p, boxes[i]!, boxes[j]!))!, `o${j}`));
    const objects = boxes.map((_, i) => ({ id: `o${i}`, name: `shape${i}`, attributes: ['small'] }));
    for (let seed = 0; seed < 15; seed++) assertSatisfies(solveSceneGraph({ objects, relations }, seed), relations);
  });

  test("the starter's held-out scenes 17, 25, 39, 42 and 53 solve as eval:control builds them", () => {
    type Scene = { objects: { shape: string; color: string; size: string }[]; relations: { subject: number; object: number; predicate: string }[] };
    const scenes = (JSON.parse(readFileSync(join(repoRoot, 'bench', 'starter-heldout.json'), 'utf8')) as { scenes: Scene[] }).scenes;
    for (const index of [17, 25, 39, 42, 53]) {
      const scene = scenes[index]!;
      const relations = scene.relations
        .filter((rel) => rel.subject < rel.object && ['left of', 'right of', 'above', 'below'].includes(rel.predicate))
        .map((rel) => r(`o${rel.subject}`, rel.predicate as Relation, `o${rel.object}`));
      const objects = scene.objects.map((o, i) => ({ id: `o${i}`, name: o.shape, attributes: [o.size, o.color] }));
      for (let seed = 0; seed < 4; seed++) assertSatisfies(solveSceneGraph({ objects, relations }, seed), relations);
    }
  });
});

describe('scene-graph solver: refusals name the relations that conflict, in words', () => {
  // Each graph also holds a relation that is not part of the conflict, which must not be named.
  const cases: [string, Rel[], string][] = [
    ['inside and near the same object', [r('cat', 'inside', 'room'), r('cat', 'near', 'room'), r('dog', 'inside', 'room')], 'cat inside room, cat near room'],
    ['left of across a chain of containers', [r('cat', 'inside', 'box'), r('box', 'inside', 'room'), r('cat', 'left of', 'room'), r('dog', 'inside', 'room')], 'cat inside box, box inside room, cat left of room'],
    ['left of both ways', [r('cat', 'left of', 'dog'), r('dog', 'left of', 'cat'), r('dog', 'near', 'cat')], 'cat left of dog, dog left of cat'],
  ];
  for (const [name, relations, words] of cases) {
    test(name, () => {
      const objects = named(...new Set(relations.flatMap((rel) => [rel.subject, rel.object])));
      const result = solveSceneGraph({ objects, relations }, 1);
      assert.equal(result.ok, false);
      assert.ok(!result.ok);
      const conflict = result.conflicts[0]!;
      assert.deepEqual(new Set(conflict.relations.map((rel) => `${rel.subject} ${rel.predicate} ${rel.object}`)), new Set(words.split(', ')));
      for (const phrase of words.split(', ')) assert.ok(conflict.reason.includes(phrase), conflict.reason);
    });
  }

  test('objects that share a name are told apart by id', () => {
    const result = solveSceneGraph({ objects: [{ id: 'a', name: 'cat' }, { id: 'b', name: 'cat' }], relations: [r('a', 'above', 'b'), r('b', 'above', 'a')] }, 1);
    assert.ok(!result.ok);
    assert.match(result.conflicts[0]!.reason, /cat \(a\) above cat \(b\), cat \(b\) above cat \(a\)/);
  });

  test('relations that force boxes to shrink are met, and the shrinking is said', () => {
    const objects = [{ id: 'sun', name: 'sun', attributes: ['huge'] }, { id: 'moon', name: 'moon', attributes: ['huge'] }];
    const relations = [r('sun', 'next to', 'moon'), r('sun', 'above', 'tree'), r('moon', 'above', 'tree')];
    const result = solveSceneGraph({ objects: [...objects, { id: 'tree', name: 'tree', attributes: ['huge'] }], relations }, 1);
    assertSatisfies(result, relations);
    assert.ok(result.ok && result.warnings.some((w) => /drawn smaller/.test(w)), JSON.stringify(result.ok && result.warnings));
  });
});

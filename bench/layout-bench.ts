/**
 * `npm run bench` (second part): how long the scene-graph solver takes, the
 * figure that decides whether it can run live while a graph is edited. Graphs
 * are read off known non-overlapping grid layouts (so a layout exists), at
 * the size people sketch (12 objects, 20 relations) and at the contract's
 * maximum (32 objects, 128 relations), solvable and with a contradiction that
 * only the linear program finds (left of across a chain of containers).
 * Timings on one machine, never asserted in tests.
 */
import { RELATIONS, type NormalizedRect, type Relation } from '../app/contract/conditioning';
import { relationHolds } from '../app/domain/relations';
import { solveSceneGraph, type SceneGraphInput } from '../app/domain/scene-layout';
import { looksOf, nestedGraph, sequence } from './evaluation/layout-quality';
import { loadLargeProgramSolver } from '../main/engine/conditioning/large-programs';

type Rel = { subject: string; predicate: Relation; object: string };

/** `count` objects in the cells of a square grid, and `relations` relations read off random pairs of them. */
function gridGraph(count: number, relations: number, seed: number): { objects: SceneGraphInput['objects']; relations: Rel[] } {
  const random = sequence(seed);
  const columns = Math.ceil(Math.sqrt(count));
  // Jittered in their cells: on an exact grid, diagonal neighbours sit on the boundary of two cones, where
  // relations.ts's rule counts a pair as "left of" one way and "below" the other (a measure-zero case).
  const boxes: NormalizedRect[] = Array.from({ length: count }, (_, i) => ({
    x: (i % columns) / columns + 0.02 * random(),
    y: Math.floor(i / columns) / columns + 0.02 * random(),
    width: 0.8 / columns,
    height: 0.8 / columns,
  }));
  const read: Rel[] = [];
  while (read.length < relations) {
    const [i, j] = [Math.floor(random() * count), Math.floor(random() * count)];
    if (i === j) continue;
    const holding = RELATIONS.filter((p) => relationHolds(p, boxes[i]!, boxes[j]!));
    read.push({ subject: `o${i}`, predicate: holding[Math.floor(random() * holding.length)]!, object: `o${j}` });
  }
  return { objects: boxes.map((_, i) => ({ id: `o${i}`, name: `shape${i}`, attributes: ['small'] })), relations: read };
}

function time(graph: SceneGraphInput, seed: number): { ms: number; ok: boolean } {
  const start = performance.now();
  const result = solveSceneGraph(graph, seed);
  return { ms: performance.now() - start, ok: result.ok };
}

function summary(label: string, runs: { ms: number; ok: boolean }[]): [string, string] {
  const sorted = runs.map((r) => r.ms).sort((a, b) => a - b);
  const solved = runs.filter((r) => r.ok).length;
  return [label, `median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms; ${solved}/${runs.length} solved`];
}

/**
 * How the solved layouts look, on 40 random satisfiable graphs with nested containers (4–24 objects):
 * directional relations near a cone's edge (within 5 degrees: "left of" that looks as much "above"),
 * the median margin from the edge, and boxes pressed against the image's border.
 */
function layoutLooks(): [string, string][] {
  const random = sequence(7);
  const looks = looksOf(
    Array.from({ length: 40 }, (_, g) => {
      const count = 4 + Math.floor(random() * 21);
      const graph = nestedGraph(count, count * 2, random);
      const result = solveSceneGraph(graph, g);
      if (!result.ok) throw new Error(`graph ${g} was refused: ${result.conflicts[0]!.reason}`);
      return { rects: new Map(result.boxes.map((b) => [b.id, b.rect])), relations: graph.relations };
    }),
  );
  return [
    ['directional relations within 5° of a cone edge (40 graphs, 4–24 objects, nested)', `${(100 * looks.nearEdge).toFixed(1)} % of ${looks.relations}`],
    ['median margin from the cone edge', `${looks.medianMargin.toFixed(1)}°`],
    ['boxes touching the image border', `${(100 * looks.touching).toFixed(0)} % of ${looks.boxes}`],
  ];
}

async function main(): Promise<void> {
  // As the engine and the studio's layout worker solve: large programs by HiGHS.
  await loadLargeProgramSolver();
  // The first solves pay for the JIT; they are not what a person editing a graph waits for.
  for (let i = 0; i < 5; i++) solveSceneGraph(gridGraph(12, 20, 100 + i), i);
  const sketch = Array.from({ length: 15 }, (_, seed) => time(gridGraph(12, 20, seed + 1), seed));
  const largest = Array.from({ length: 5 }, (_, seed) => time(gridGraph(32, 128, seed + 1), seed));
  const contradicted = Array.from({ length: 5 }, (_, seed) => {
    const graph = gridGraph(32, 125, seed + 1);
    // o0 inside o1 inside o2 (a chain of containers), yet o0 left of o2: only the solver sees that.
    const chain: Rel[] = [
      { subject: 'o0', predicate: 'inside', object: 'o1' },
      { subject: 'o1', predicate: 'inside', object: 'o2' },
      { subject: 'o0', predicate: 'left of', object: 'o2' },
    ];
    const unrelated = graph.relations.filter((r) => ![r.subject, r.object].some((id) => ['o0', 'o1', 'o2'].includes(id)));
    return time({ objects: graph.objects, relations: [...unrelated, ...chain] }, seed);
  });
  const looks = layoutLooks();
  const rows = [
    ...looks,
    summary('scene-graph solve, 12 objects and 20 relations (15 graphs)', sketch),
    summary('scene-graph solve, 32 objects and 128 relations (5 graphs)', largest),
    summary('scene-graph refusal found by the solver, 32 objects, ~128 relations (5 graphs)', contradicted),
  ];
  console.log('| measure | value |\n| --- | --- |');
  for (const [name, value] of rows) console.log(`| ${name} | ${value} |`);
}

void main();

import type { NormalizedRect } from '../contract/conditioning';
import { aimRows, BoxVars, expr, insetRows, minus, onlyIf, relationRows, sidesOf, type Expr, type Side } from './layout-constraints';
import { containment, findContradictions, minimalConflict, type Conflict, type Describe, type SceneRel } from './layout-conflicts';
import { LinearProgram } from './linear-program';

export type { Conflict } from './layout-conflicts';

interface Obj {
  readonly id: string;
  readonly name: string;
  readonly attributes: readonly string[];
}

export interface SolvedBox {
  readonly id: string;
  readonly rect: NormalizedRect;
  /** "large red star": the phrase of the composed prompt that names the object. */
  readonly label: string;
}

export type LayoutResult =
  | { readonly ok: true; readonly boxes: readonly SolvedBox[]; readonly prompt: string; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly conflicts: readonly Conflict[] };

export interface SceneGraphInput {
  readonly objects: readonly (Omit<Obj, 'attributes'> & { readonly attributes?: readonly string[] })[];
  readonly relations?: readonly SceneRel[];
}

/** Side length (of the image's shorter side) that size words ask for. */
const SIZES: Readonly<Record<string, number>> = { tiny: 0.12, small: 0.2, medium: 0.3, large: 0.45, big: 0.45, huge: 0.6 };
const DEFAULT_SIZE = 0.3;
const MIN_SIZE = 0.02;
/** Objective weights: size kept (per unit) outweighs moving from the seeded spot, and overlap outweighs shrinking. */
const SIZE_REWARD = 1;
const MOVE_COST = 0.1;
const GROWTH_COST = 0.05;
const OVERLAP_COST = 4;
/** Per unit of a directional relation's pull off its cone's axis, and of a box closer to the border than INSET: looks, worth moving for. */
const AIM_COST = 3;
const EDGE_COST = 1;
const INSET = 0.04;
const OVERLAP_ROUNDS = 3;
const SIDE_ROUNDS = 6;
const EXACT_SIDES_MS = 2000;
/** Pairs this close get a separation too, so that moving one pair apart seldom pushes another into overlap (and costs a round). */
const NEAR_MISS = 0.05;

/**
 * Lays a scene graph out as boxes (relations.ts semantics), by linear
 * programming: every relation is a set of linear constraints on the boxes'
 * centres and sizes (layout-constraints.ts); sizes come from attributes and
 * may shrink; a container grows to hold all it contains. The optimum keeps
 * sizes, stays near seeded spots (so seeds vary the layout) and keeps boxes
 * apart: overlap is a cost, not a constraint, so it never causes a refusal;
 * whatever overlap or shrinking remains is said in a warning.
 *
 * A graph is refused only when its relations cannot hold together, and then
 * with a minimal set of them that cannot.
 */
export function solveSceneGraph(graph: SceneGraphInput, seed: number, aspect = 1): LayoutResult {
  const objects: Obj[] = graph.objects.map((o) => ({ ...o, attributes: o.attributes ?? [] }));
  const relations = graph.relations ?? [];
  const word = objectWords(objects);
  const describe: Describe = (r) => `${word(r.subject)} ${r.predicate} ${word(r.object)}`;
  const upFront = findContradictions(relations, describe);
  if (upFront.length > 0) return { ok: false, conflicts: upFront };

  const problem = new LayoutProblem(objects, relations, seed, aspect);
  const all = relations.map((_, i) => i);
  const refuse = (conflict: readonly number[], why = 'These relations cannot all hold in one picture'): LayoutResult => {
    const rels = conflict.map((i) => relations[i]!);
    return { ok: false, conflicts: [{ relations: rels, reason: `${why}: ${rels.map(describe).join(', ')}` }] };
  };
  // A linear program, with the sides of "next to" and "near" guessed from a layout without them. When it
  // fails, a minimal conflict under those sides is found quickly; if no choice of sides resolves that
  // conflict (a small mixed-integer program), it is a true one; else its sides are changed and the whole
  // tried again. Only if that keeps failing does the exact mixed-integer program choose every side, within
  // a time limit: it is exponential at worst.
  const sides = problem.guessSides();
  // The layouts that are kept are aimed (relations near their cones' axes, boxes off the border); feasibility alone is not.
  const aimed = { aim: true } as const;
  let solution = problem.solve(all, sides, aimed);
  let conflict: number[] = [];
  for (let round = 0; !solution && round < SIDE_ROUNDS; round++) {
    conflict = minimalConflict(all, (subset) => problem.solve(subset, sides) !== null);
    const resolved = problem.hasSidedRelations ? problem.solve(conflict, 'free') : null;
    if (!resolved) return refuse(conflict);
    for (const [i, side] of problem.sidesIn(resolved)) if (conflict.includes(i)) sides.set(i, side);
    solution = problem.solve(all, sides, aimed);
  }
  if (!solution) {
    const chosen = problem.solve(all, 'free', { timeoutMs: EXACT_SIDES_MS });
    if (!chosen) return refuse(conflict, 'No layout was found in time; these relations are the hardest to meet together');
    for (const [i, side] of problem.sidesIn(chosen)) sides.set(i, side);
    solution = problem.solve(all, sides, aimed)!;
  }
  const { values, warnings } = problem.separate(solution, sides, word);
  return {
    ok: true,
    boxes: objects.map((o) => ({ id: o.id, rect: problem.rectOf(o.id, values), label: labelOf(o) })),
    prompt: composePrompt(objects, relations),
    warnings,
  };
}

export const labelOf = (o: Obj) => [...o.attributes, o.name].join(' ');

/** "a large red star left of a small blue ring, a green cross": each object once, in relation phrases where it has them. */
/**
 * The prompt a run uses: the user's, with the scene graph's composed sentence
 * after it (alone when the user wrote nothing). One function for the engine
 * and the editor, so that what the editor flags before a run is what the run does.
 */
export function promptWithGraph(prompt: string, graph: { readonly objects: readonly Obj[]; readonly relations: readonly SceneRel[] } | undefined): string {
  if (!graph || graph.objects.length === 0) return prompt;
  const sentence = composePrompt(graph.objects, graph.relations);
  return prompt.trim() === '' ? sentence : `${prompt}, ${sentence}`;
}

export function composePrompt(objects: readonly Obj[], relations: readonly SceneRel[]): string {
  const byId = new Map(objects.map((o) => [o.id, o]));
  const mentioned = new Set<string>();
  const phrases = relations.map((r) => {
    mentioned.add(r.subject);
    mentioned.add(r.object);
    return `a ${labelOf(byId.get(r.subject)!)} ${r.predicate} a ${labelOf(byId.get(r.object)!)}`;
  });
  for (const o of objects) if (!mentioned.has(o.id)) phrases.push(`a ${labelOf(o)}`);
  return phrases.join(', ');
}

/** Names objects by name where that is unambiguous ("cat left of dog"), else by name and id. */
function objectWords(objects: readonly Obj[]): (id: string) => string {
  const count = new Map<string, number>();
  for (const o of objects) count.set(o.name, (count.get(o.name) ?? 0) + 1);
  const word = new Map(objects.map((o) => [o.id, count.get(o.name) === 1 ? o.name : `${o.name} (${o.id})`]));
  return (id) => word.get(id) ?? id;
}

type Separation = { readonly first: string; readonly second: string; readonly axis: 'x' | 'y' };

/** The graph as linear programs: the fixed parts (image, sizes, seeded spots) and the relations, any subset of them. */
class LayoutProblem {
  private readonly boxes: ReadonlyMap<string, BoxVars>;
  private readonly preferred: ReadonlyMap<string, { x: number; y: number; size: number }>;
  private readonly containers: ReadonlySet<string>;
  /** Pairs the relations let overlap: nested (also through a chain of containers) or resting on one another. */
  private readonly mayOverlap: ReadonlySet<string>;

  constructor(
    private readonly objects: readonly Obj[],
    private readonly relations: readonly SceneRel[],
    seed: number,
    aspect: number,
  ) {
    // Boxes square in pixels: sizes are fractions of the shorter side.
    const [kx, ky] = aspect >= 1 ? [1 / aspect, 1] : [1, aspect];
    this.boxes = new Map(objects.map((o) => [o.id, new BoxVars(o.id, kx, ky)]));
    this.preferred = seededSpots(objects, seed);
    const nested = nestedPairs(relations);
    this.containers = new Set([...nested].map(([outer]) => outer));
    this.mayOverlap = new Set([
      ...[...nested].flatMap(([a, b]) => [pairKey(a, b), pairKey(b, a)]),
      ...relations.filter((r) => r.predicate === 'on' || r.predicate === 'under').flatMap((r) => [pairKey(r.subject, r.object), pairKey(r.object, r.subject)]),
    ]);
  }

  get hasSidedRelations(): boolean {
    return this.relations.some((r) => sidesOf(r.predicate));
  }

  /**
   * Sides for the side-dependent relations ("next to", "near") as the boxes
   * stand when every other relation holds (or as their seeded spots stand, if
   * those cannot hold either).
   */
  guessSides(): Map<number, Side> {
    const unsided = this.relations.flatMap((r, i) => (sidesOf(r.predicate) ? [] : [i]));
    const values = this.hasSidedRelations ? this.solve(unsided, new Map()) : null;
    const centre = (id: string) => {
      if (!values) return this.preferred.get(id)!;
      const r = this.rectOf(id, values);
      return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
    };
    const sides = new Map<number, Side>();
    this.relations.forEach((r, i) => {
      const options = sidesOf(r.predicate);
      if (!options) return;
      const [s, o] = [centre(r.subject), centre(r.object)];
      const horizontal = options.length === 2 || Math.abs(s.x - o.x) >= Math.abs(s.y - o.y);
      sides.set(i, horizontal ? (s.x <= o.x ? 'left' : 'right') : s.y <= o.y ? 'up' : 'down');
    });
    return sides;
  }

  /** The sides a mixed-integer solution chose. */
  sidesIn(values: ReadonlyMap<string, number>): Map<number, Side> {
    const sides = new Map<number, Side>();
    this.relations.forEach((r, i) => {
      const chosen = sidesOf(r.predicate)?.find((side) => (values.get(sideVar(i, side)) ?? 0) > 0.5);
      if (chosen) sides.set(i, chosen);
    });
    return sides;
  }

  /**
   * The optimum with the given relations (by index), or null when they cannot
   * hold. With sides 'free', each side-dependent relation gets a 0/1 variable
   * per side and the solver chooses: exact, and slower. `aim` adds the soft
   * rows of a layout that looks right (relations aimed along their cones'
   * axes, boxes off the border); they never make a program infeasible.
   */
  solve(included: readonly number[], sides: ReadonlyMap<number, Side> | 'free', options: { separations?: readonly Separation[]; timeoutMs?: number; aim?: boolean } = {}): ReadonlyMap<string, number> | null {
    const { separations = [], timeoutMs = Infinity, aim = false } = options;
    const program = new LinearProgram();
    for (const o of this.objects) this.addObject(program, o.id);
    for (const i of included) {
      const r = this.relations[i]!;
      const [s, o] = [this.box(r.subject), this.box(r.object)];
      const options = sidesOf(r.predicate);
      if (sides !== 'free' || !options) {
        program.addAll(relationRows(r.predicate, s, o, sides === 'free' ? undefined : sides.get(i)));
        continue;
      }
      for (const side of options) {
        program.binary(sideVar(i, side));
        program.addAll(onlyIf(relationRows(r.predicate, s, o, side), sideVar(i, side)));
      }
      program.add({ expr: expr([...options.map((side) => [sideVar(i, side), 1] as const)], -1), sense: '>=' });
    }
    if (aim) this.addAims(program, included);
    for (const s of separations) {
      const slack = overlapVar(s);
      const [a, b] = [this.box(s.first), this.box(s.second)];
      const gap = s.axis === 'x' ? minus(a.right(), b.left()) : minus(a.bottom(), b.top());
      program.add({ expr: expr([...gap.terms, [slack, -1]], gap.constant), sense: '<=' });
      program.reward(slack, -OVERLAP_COST);
    }
    // Choosing sides only has to find a feasible choice: the optimum comes from the linear program with those sides.
    return program.solve(sides !== 'free', timeoutMs);
  }

  /**
   * Keeps unrelated boxes apart: each round adds, for every pair that still
   * overlaps, a separation along the axis where they overlap least, paid for
   * by overlap slack, and solves again. What overlap or shrinking is left is
   * reported.
   */
  separate(start: ReadonlyMap<string, number>, sides: ReadonlyMap<number, Side>, word: (id: string) => string): { values: ReadonlyMap<string, number>; warnings: string[] } {
    const all = this.relations.map((_, i) => i);
    const separations: Separation[] = [];
    const separated = new Set<string>();
    let values = start;
    for (let round = 0; round < OVERLAP_ROUNDS; round++) {
      const fresh = this.overlappingPairs(values, NEAR_MISS).filter(([a, b]) => !separated.has(pairKey(a, b)));
      if (fresh.length === 0) break;
      for (const [a, b] of fresh) separated.add(pairKey(a, b));
      separations.push(...fresh.map(([a, b]) => this.separationFor(a, b, values)));
      values = this.solve(all, sides, { separations, aim: true }) ?? values;
    }
    const warnings = this.overlappingPairs(values).map(([a, b]) => `${word(a)} and ${word(b)} overlap: the relations leave no room to keep them apart`);
    for (const o of this.objects) {
      const size = values.get(this.box(o.id).z) ?? 0;
      if (size < this.preferred.get(o.id)!.size * 0.95) warnings.push(`${word(o.id)} is drawn smaller than its size asks, to fit the relations`);
    }
    return { values, warnings };
  }

  rectOf(id: string, values: ReadonlyMap<string, number>): NormalizedRect {
    const b = this.box(id);
    const at = (e: Expr) => [...e.terms].reduce((sum, [v, c]) => sum + c * (values.get(v) ?? 0), e.constant);
    const [x0, x1, y0, y1] = [at(b.left()), at(b.right()), at(b.top()), at(b.bottom())].map((v) => Math.min(1, Math.max(0, v))) as [number, number, number, number];
    return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
  }

  private box(id: string): BoxVars {
    return this.boxes.get(id)!;
  }

  /** Inside the image; size between the minimum and the asked size (containers may grow); the objective's terms. */
  private addObject(program: LinearProgram, id: string): void {
    const b = this.box(id);
    const spot = this.preferred.get(id)!;
    program.addAll([
      { expr: b.left(), sense: '>=' },
      { expr: { ...b.right(), constant: b.right().constant - 1 }, sense: '<=' },
      { expr: b.top(), sense: '>=' },
      { expr: { ...b.bottom(), constant: b.bottom().constant - 1 }, sense: '<=' },
    ]);
    const container = this.containers.has(id);
    program.bound(b.z, container ? { min: MIN_SIZE } : { min: MIN_SIZE, max: spot.size });
    // kept <= size and kept <= asked size: the reward for size stops at what was asked.
    const kept = `kept:${id}`;
    program.add({ expr: expr([[kept, 1], [b.z, -1]]), sense: '<=' });
    program.bound(kept, { max: spot.size });
    program.reward(kept, SIZE_REWARD);
    if (container) program.reward(b.z, -GROWTH_COST);
    // moved >= |centre - spot| on each axis.
    for (const [centre, target] of [[b.cx, spot.x], [b.cy, spot.y]] as const) {
      const moved = `moved:${centre}`;
      program.add({ expr: expr([[moved, 1], [centre, -1]], target), sense: '>=' });
      program.add({ expr: expr([[moved, 1], [centre, 1]], -target), sense: '>=' });
      program.reward(moved, -MOVE_COST);
    }
  }

  /** The soft rows of a layout that looks right, each paid for by its own slack. */
  private addAims(program: LinearProgram, included: readonly number[]): void {
    for (const i of included) {
      const r = this.relations[i]!;
      const rows = aimRows(r.predicate, this.box(r.subject), this.box(r.object), `aim:${i}`);
      if (!rows) continue;
      program.addAll(rows);
      program.reward(`aim:${i}`, -AIM_COST);
    }
    for (const o of this.objects) {
      program.addAll(insetRows(this.box(o.id), INSET, `inset:${o.id}`));
      program.reward(`inset:${o.id}`, -EDGE_COST);
    }
  }

  /** Pairs whose boxes, each grown by `reach` on every side, overlap (and that the relations do not let overlap). */
  private overlappingPairs(values: ReadonlyMap<string, number>, reach = 0): [string, string][] {
    const pairs: [string, string][] = [];
    const rects = new Map(this.objects.map((o) => [o.id, this.rectOf(o.id, values)]));
    for (let i = 0; i < this.objects.length; i++) {
      for (let j = i + 1; j < this.objects.length; j++) {
        const [a, b] = [this.objects[i]!.id, this.objects[j]!.id];
        if (this.mayOverlap.has(pairKey(a, b))) continue;
        const { x, y } = overlapOf(rects.get(a)!, rects.get(b)!);
        if (x + 2 * reach > 1e-4 && y + 2 * reach > 1e-4) pairs.push([a, b]);
      }
    }
    return pairs;
  }

  /** Apart along the axis where the pair overlaps least, in the order their centres already have. */
  private separationFor(a: string, b: string, values: ReadonlyMap<string, number>): Separation {
    const [p, q] = [this.rectOf(a, values), this.rectOf(b, values)];
    const overlap = overlapOf(p, q);
    const axis = overlap.x <= overlap.y ? 'x' : 'y';
    const before = axis === 'x' ? p.x + p.width / 2 <= q.x + q.width / 2 : p.y + p.height / 2 <= q.y + q.height / 2;
    return before ? { first: a, second: b, axis } : { first: b, second: a, axis };
  }
}

const pairKey = (a: string, b: string) => `${a}\u0000${b}`;

/** How far two rectangles overlap along each axis (negative: the gap between them). */
function overlapOf(p: NormalizedRect, q: NormalizedRect): { x: number; y: number } {
  return { x: Math.min(p.x + p.width, q.x + q.width) - Math.max(p.x, q.x), y: Math.min(p.y + p.height, q.y + q.height) - Math.max(p.y, q.y) };
}
const sideVar = (relation: number, side: Side) => `side:${relation}:${side}`;
const overlapVar = (s: Separation) => `overlap:${s.first}:${s.second}:${s.axis}`;

/** Every (outer, inner) pair of the containment relations, through chains of containers too. */
function nestedPairs(relations: readonly SceneRel[]): Set<[string, string]> {
  const inside = new Map<string, Set<string>>();
  for (const r of relations) {
    const pair = containment(r);
    if (pair) inside.set(pair[0], (inside.get(pair[0]) ?? new Set()).add(pair[1]));
  }
  const pairs = new Set<[string, string]>();
  const reach = (outer: string, from: string, seen: Set<string>) => {
    for (const inner of inside.get(from) ?? []) {
      if (seen.has(inner)) continue;
      seen.add(inner);
      pairs.add([outer, inner]);
      reach(outer, inner, seen);
    }
  };
  for (const outer of inside.keys()) reach(outer, outer, new Set());
  return pairs;
}

/** Each object's seeded spot (a jittered cell of a grid, cells shuffled) and asked size. */
function seededSpots(objects: readonly Obj[], seed: number): Map<string, { x: number; y: number; size: number }> {
  const random = mulberry32(seed * 7919 + 1);
  const columns = Math.ceil(Math.sqrt(objects.length));
  const rows = Math.ceil(objects.length / columns);
  const cells = Array.from({ length: columns * rows }, (_, i) => i);
  for (let i = cells.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [cells[i], cells[j]] = [cells[j]!, cells[i]!];
  }
  return new Map(
    objects.map((o, i) => {
      const cell = cells[i]!;
      const x = ((cell % columns) + 0.25 + random() * 0.5) / columns;
      const y = (Math.floor(cell / columns) + 0.25 + random() * 0.5) / rows;
      const size = o.attributes.map((a) => SIZES[a.toLowerCase()]).find((s) => s !== undefined) ?? DEFAULT_SIZE;
      return [o.id, { x, y, size }];
    }),
  );
}

/** A small seeded PRNG (mulberry32): the solver's layouts repeat for a seed on every platform. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

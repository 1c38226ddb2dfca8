import type { Relation } from '../contract/conditioning';

export interface SceneRel {
  readonly subject: string;
  readonly predicate: Relation;
  readonly object: string;
}

/** Relations that no layout can satisfy together, and why, in words. */
export interface Conflict {
  readonly relations: readonly SceneRel[];
  readonly reason: string;
}

/** How a relation reads to a person: "cat left of dog". */
export type Describe = (r: SceneRel) => string;

export const byIds: Describe = (r) => `${r.subject} ${r.predicate} ${r.object}`;

/** The (outer, inner) pair a containment relation nests, or null for any other relation. */
export const containment = (r: SceneRel): [outer: string, inner: string] | null =>
  r.predicate === 'surrounding' ? [r.subject, r.object] : r.predicate === 'inside' ? [r.object, r.subject] : null;

/**
 * The contradictions that are cheap to see in the relations alone: an object
 * related to itself, containment in a circle, left/right or above/below in a
 * circle, one pair in two exclusive cones, and a pair that is both nested and
 * side by side (sg2im's rule tests containment first, so a nested pair is in
 * no cone and never "near"). Each comes with a smallest set of relations that
 * makes it; what these miss, the solver finds (`minimalConflict`).
 */
export function findContradictions(relations: readonly SceneRel[], describe: Describe = byIds): Conflict[] {
  const list = (rs: readonly SceneRel[]) => rs.map(describe).join(', ');
  const conflicts: Conflict[] = [];
  for (const r of relations) if (r.subject === r.object) conflicts.push({ relations: [r], reason: `${describe(r)}: nothing can be ${r.predicate} itself` });
  const proper = relations.filter((r) => r.subject !== r.object);

  const nested = proper.filter((r) => containment(r));
  const cycle = findCycle(nested, (r) => containment(r)!);
  if (cycle) conflicts.push({ relations: cycle, reason: `Containment goes round in a circle: ${list(cycle)}` });
  for (const c of nested) {
    const [outer, inner] = containment(c)!;
    const beside = proper.filter((r) => r !== c && !containment(r) && ((r.subject === outer && r.object === inner) || (r.subject === inner && r.object === outer)));
    for (const d of beside) conflicts.push({ relations: [c, d], reason: `${list([c, d])}: a pair nested in one another is in no direction from each other, nor near` });
  }

  const order = (axis: 'x' | 'y') => (r: SceneRel): [string, string] | null => {
    const before = axis === 'x' ? ['left of'] : ['above', 'on'];
    const after = axis === 'x' ? ['right of'] : ['below', 'under'];
    if (before.includes(r.predicate)) return [r.subject, r.object];
    if (after.includes(r.predicate)) return [r.object, r.subject];
    return null;
  };
  for (const axis of ['x', 'y'] as const) {
    const loop = findCycle(
      proper.filter((r) => order(axis)(r)),
      (r) => order(axis)(r)!,
    );
    if (loop) conflicts.push({ relations: loop, reason: `${axis === 'x' ? 'Left and right' : 'Above and below'} go round in a circle: ${list(loop)}` });
  }

  // Cones are exclusive: one pair cannot be both side by side and one above the other.
  const horizontal = new Set<Relation>(['left of', 'right of', 'next to']);
  const vertical = new Set<Relation>(['above', 'below', 'on', 'under']);
  for (let i = 0; i < proper.length; i++) {
    for (let j = i + 1; j < proper.length; j++) {
      const [a, b] = [proper[i]!, proper[j]!];
      const samePair = (a.subject === b.subject && a.object === b.object) || (a.subject === b.object && a.object === b.subject);
      if (samePair && ((horizontal.has(a.predicate) && vertical.has(b.predicate)) || (vertical.has(a.predicate) && horizontal.has(b.predicate)))) {
        conflicts.push({ relations: [a, b], reason: `${list([a, b])}: one pair cannot lie in two 45-degree cones at once` });
      }
    }
  }
  return conflicts;
}

/**
 * A minimal subset of `items` that `satisfiable` rejects, given that it rejects
 * them all: removing any one member makes the rest satisfiable. Grows a core
 * one necessary member at a time, each found by binary search for the shortest
 * prefix that still fails (Junker's QuickXplain in its linear-binary form), so
 * a conflict of k members costs about k·log2(n) checks rather than n.
 */
export function minimalConflict<T>(items: readonly T[], satisfiable: (subset: readonly T[]) => boolean): T[] {
  const core: T[] = [];
  let pool = items.slice();
  while (satisfiable(core)) {
    let [lo, hi] = [0, pool.length - 1];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (satisfiable([...core, ...pool.slice(0, mid + 1)])) lo = mid + 1;
      else hi = mid;
    }
    core.push(pool[lo]!);
    pool = pool.slice(0, lo);
  }
  return core;
}

/** A directed cycle among the relations' edges, as the relations that make it, or null. */
function findCycle(relations: readonly SceneRel[], edge: (r: SceneRel) => [string, string]): SceneRel[] | null {
  const out = new Map<string, SceneRel[]>();
  for (const r of relations) {
    const [from] = edge(r);
    out.set(from, [...(out.get(from) ?? []), r]);
  }
  const state = new Map<string, 'open' | 'done'>();
  const path: SceneRel[] = [];
  const visit = (node: string): SceneRel[] | null => {
    state.set(node, 'open');
    for (const r of out.get(node) ?? []) {
      const [, to] = edge(r);
      path.push(r);
      if (state.get(to) === 'open') return path.slice(path.findIndex((p) => edge(p)[0] === to));
      if (!state.has(to)) {
        const found = visit(to);
        if (found) return found;
      }
      path.pop();
    }
    state.set(node, 'done');
    return null;
  };
  for (const node of out.keys()) {
    if (state.has(node)) continue;
    const found = visit(node);
    if (found) return found;
  }
  return null;
}

import type { NormalizedRect, Relation } from '../contract/conditioning';
import { CONTACT, NEAR_DISTANCE, NEXT_TO_GAP, relationHolds } from './relations';

interface Obj {
  readonly id: string;
  readonly name: string;
  readonly attributes: readonly string[];
}
interface Rel {
  readonly subject: string;
  readonly predicate: Relation;
  readonly object: string;
}

export interface SolvedBox {
  readonly id: string;
  readonly rect: NormalizedRect;
  /** "large red star": the phrase of the composed prompt that names the object. */
  readonly label: string;
}

export interface Conflict {
  readonly relations: readonly Rel[];
  readonly reason: string;
}

export type LayoutResult = { readonly ok: true; readonly boxes: readonly SolvedBox[]; readonly prompt: string } | { readonly ok: false; readonly conflicts: readonly Conflict[] };

const SIZES: Readonly<Record<string, number>> = { tiny: 0.12, small: 0.2, medium: 0.3, large: 0.45, big: 0.45, huge: 0.6 };
const DEFAULT_SIZE = 0.3;
const MARGIN = 0.02;
const ATTEMPTS = 24;
const ITERATIONS = 300;

const describeRel = (r: Rel) => `${r.subject} ${r.predicate} ${r.object}`;

/**
 * Solves a scene graph into boxes that satisfy every relation (relations.ts
 * semantics), stay inside the image, keep their sizes (from attributes such
 * as "small" or "large") and do not overlap needlessly. Deterministic for a
 * seed. Contradictions (cycles of left/right or above/below, a pair in two
 * exclusive cones, containment both ways or with a direction) are found first
 * and reported with the relations that conflict.
 */
export function solveSceneGraph(graph: { readonly objects: readonly (Omit<Obj, 'attributes'> & { readonly attributes?: readonly string[] })[]; readonly relations?: readonly Rel[] }, seed: number, aspect = 1): LayoutResult {
  const objects: Obj[] = graph.objects.map((o) => ({ ...o, attributes: o.attributes ?? [] }));
  const relations = graph.relations ?? [];
  const conflicts = findContradictions(relations);
  if (conflicts.length > 0) return { ok: false, conflicts };

  const sizes = objectSizes(objects, relations);
  let unmet: Rel[] = relations.slice();
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const random = mulberry32(seed * 7919 + attempt * 104729 + 1);
    const boxes = new Map<string, Box>(
      objects.map((o) => {
        const size = sizes.get(o.id)!;
        const w = aspect >= 1 ? size / aspect : size;
        const h = aspect >= 1 ? size : size * aspect;
        return [o.id, { x: random() * (1 - w), y: random() * (1 - h), w, h }];
      }),
    );
    for (let i = 0; i < ITERATIONS; i++) {
      for (const r of relations) enforce(r, boxes.get(r.subject)!, boxes.get(r.object)!);
      separate(objects, relations, boxes);
      for (const box of boxes.values()) clamp(box);
      unmet = relations.filter((r) => !relationHolds(r.predicate, rect(boxes.get(r.subject)!), rect(boxes.get(r.object)!)));
      if (unmet.length === 0 && !needlessOverlap(objects, relations, boxes)) {
        return { ok: true, boxes: objects.map((o) => ({ id: o.id, rect: rect(boxes.get(o.id)!), label: labelOf(o) })), prompt: composePrompt(objects, relations) };
      }
    }
  }
  return { ok: false, conflicts: [{ relations: unmet, reason: `No layout satisfies ${unmet.map(describeRel).join(', ')} within the image` }] };
}

export const labelOf = (o: Obj) => [...o.attributes, o.name].join(' ');

/** "a large red star to the left of a small blue ring, a green cross": each object once, in relation phrases where it has them. */
export function composePrompt(objects: readonly Obj[], relations: readonly Rel[]): string {
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

/** Relations that no layout can satisfy together, each group reported with its reason. */
export function findContradictions(relations: readonly Rel[]): Conflict[] {
  const conflicts: Conflict[] = [];
  for (const r of relations) if (r.subject === r.object) conflicts.push({ relations: [r], reason: `${r.subject} cannot be ${r.predicate} itself` });

  const contains = (r: Rel): [string, string] | null => (r.predicate === 'surrounding' ? [r.subject, r.object] : r.predicate === 'inside' ? [r.object, r.subject] : null);
  const containment = relations.filter((r) => contains(r) && r.subject !== r.object);
  const cycle = findCycle(containment, (r) => contains(r)!);
  if (cycle) conflicts.push({ relations: cycle, reason: `Containment goes round in a circle: ${cycle.map(describeRel).join(', ')}` });
  for (const c of containment) {
    const [outer, inner] = contains(c)!;
    const directed = relations.filter((r) => r !== c && !contains(r) && r.predicate !== 'near' && ((r.subject === outer && r.object === inner) || (r.subject === inner && r.object === outer)));
    for (const d of directed) conflicts.push({ relations: [c, d], reason: `${describeRel(c)} leaves no room for ${describeRel(d)}: containment takes precedence over direction` });
  }

  const order = (axis: 'x' | 'y') => (r: Rel): [string, string] | null => {
    const before = axis === 'x' ? ['left of'] : ['above', 'on'];
    const after = axis === 'x' ? ['right of'] : ['below', 'under'];
    if (before.includes(r.predicate)) return [r.subject, r.object];
    if (after.includes(r.predicate)) return [r.object, r.subject];
    return null;
  };
  for (const axis of ['x', 'y'] as const) {
    const edges = relations.filter((r) => order(axis)(r) && r.subject !== r.object);
    const loop = findCycle(edges, (r) => order(axis)(r)!);
    if (loop) conflicts.push({ relations: loop, reason: `${axis === 'x' ? 'Left and right' : 'Above and below'} go round in a circle: ${loop.map(describeRel).join(', ')}` });
  }

  // Cones are exclusive: one pair cannot be both side by side and one above the other.
  const horizontal = new Set<Relation>(['left of', 'right of', 'next to']);
  const vertical = new Set<Relation>(['above', 'below', 'on', 'under']);
  for (let i = 0; i < relations.length; i++) {
    for (let j = i + 1; j < relations.length; j++) {
      const [a, b] = [relations[i]!, relations[j]!];
      const samePair = (a.subject === b.subject && a.object === b.object) || (a.subject === b.object && a.object === b.subject);
      if (samePair && ((horizontal.has(a.predicate) && vertical.has(b.predicate)) || (vertical.has(a.predicate) && horizontal.has(b.predicate)))) {
        conflicts.push({ relations: [a, b], reason: `${describeRel(a)} and ${describeRel(b)} ask for two exclusive 45-degree cones` });
      }
    }
  }
  return conflicts;
}

/** A directed cycle among the relations' edges, as the relations that make it, or null. */
function findCycle(relations: readonly Rel[], edge: (r: Rel) => [string, string]): Rel[] | null {
  const out = new Map<string, Rel[]>();
  for (const r of relations) {
    const [from] = edge(r);
    out.set(from, [...(out.get(from) ?? []), r]);
  }
  const state = new Map<string, 'open' | 'done'>();
  const path: Rel[] = [];
  const visit = (node: string): Rel[] | null => {
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

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

const rect = (b: Box): NormalizedRect => ({ x: b.x, y: b.y, width: b.w, height: b.h });

function objectSizes(objects: readonly Obj[], relations: readonly Rel[]): Map<string, number> {
  const sizes = new Map(objects.map((o) => [o.id, o.attributes.map((a) => SIZES[a.toLowerCase()]).find((s) => s !== undefined) ?? DEFAULT_SIZE]));
  // A container must be able to hold what it contains.
  for (let pass = 0; pass < objects.length; pass++) {
    for (const r of relations) {
      const [outer, inner] = r.predicate === 'surrounding' ? [r.subject, r.object] : r.predicate === 'inside' ? [r.object, r.subject] : [null, null];
      if (outer && inner) sizes.set(outer, Math.min(0.95, Math.max(sizes.get(outer)!, sizes.get(inner)! * 1.6)));
    }
  }
  return sizes;
}

/** Moves a pair of boxes (each half the way) towards satisfying one relation. */
function enforce(r: Rel, s: Box, o: Box): void {
  const dx = s.x + s.w / 2 - (o.x + o.w / 2);
  const dy = s.y + s.h / 2 - (o.y + o.h / 2);
  const shift = (box: Box, ddx: number, ddy: number) => {
    box.x += ddx;
    box.y += ddy;
  };
  /** Moves s by (ax, ay) along the axis and o the opposite way. */
  const split = (along: 'x' | 'y', amount: number) => {
    shift(s, along === 'x' ? amount : 0, along === 'y' ? amount : 0);
    shift(o, along === 'x' ? -amount : 0, along === 'y' ? -amount : 0);
  };
  const apart = (along: 'x' | 'y', sign: -1 | 1) => {
    // Wanted: sign * d_along >= |d_across| + margin, and boxes not containing one another.
    const [d, across] = along === 'x' ? [dx, dy] : [dy, dx];
    const extent = along === 'x' ? (s.w + o.w) / 2 : (s.h + o.h) / 2;
    const deficit = Math.max(Math.abs(across) + MARGIN, Math.min(extent, 0.5) * 0.6) - sign * d;
    if (deficit > 0) split(along, (sign * deficit) / 2);
    // Pull the cross-axis offset in, so the pair sits well inside its cone.
    split(along === 'x' ? 'y' : 'x', -across * 0.1);
  };
  const inside = (inner: Box, outer: Box) => {
    if (inner.w > outer.w * 0.8) inner.w = outer.w * 0.7;
    if (inner.h > outer.h * 0.8) inner.h = outer.h * 0.7;
    inner.x = Math.min(Math.max(inner.x, outer.x + 0.01), outer.x + outer.w - inner.w - 0.01);
    inner.y = Math.min(Math.max(inner.y, outer.y + 0.01), outer.y + outer.h - inner.h - 0.01);
  };
  switch (r.predicate) {
    case 'left of':
      return apart('x', -1);
    case 'right of':
      return apart('x', 1);
    case 'above':
      return apart('y', -1);
    case 'below':
      return apart('y', 1);
    case 'inside':
      return inside(s, o);
    case 'surrounding':
      return inside(o, s);
    case 'on':
    case 'under': {
      const above = r.predicate === 'on';
      const target = above ? o.y - s.h + CONTACT / 2 : o.y + o.h - CONTACT / 2;
      const dyFix = target - s.y;
      shift(s, (o.x + o.w / 2 - (s.x + s.w / 2)) / 2, dyFix / 2);
      shift(o, 0, -dyFix / 2);
      return;
    }
    case 'next to': {
      // Side by side, a small gap apart, on whichever side the subject already is.
      const subjectLeft = dx < 0;
      const gap = subjectLeft ? o.x - (s.x + s.w) : s.x - (o.x + o.w);
      const fix = gap - NEXT_TO_GAP / 2;
      const towards = subjectLeft ? 1 : -1;
      shift(s, (towards * fix) / 2, -dy * 0.3);
      shift(o, (-towards * fix) / 2, dy * 0.3);
      return;
    }
    case 'near': {
      const distance = Math.hypot(dx, dy);
      if (distance <= NEAR_DISTANCE * 0.9) return;
      const pull = (distance - NEAR_DISTANCE * 0.8) / distance / 2;
      shift(s, -dx * pull, -dy * pull);
      shift(o, dx * pull, dy * pull);
      return;
    }
  }
}

/** Pairs the relations allow to overlap: containment, and contact for on/under. */
function mayOverlap(relations: readonly Rel[], a: string, b: string): boolean {
  return relations.some((r) => ((r.subject === a && r.object === b) || (r.subject === b && r.object === a)) && ['inside', 'surrounding', 'on', 'under'].includes(r.predicate));
}

function overlapArea(a: Box, b: Box): number {
  const w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

function separate(objects: readonly Obj[], relations: readonly Rel[], boxes: Map<string, Box>): void {
  for (let i = 0; i < objects.length; i++) {
    for (let j = i + 1; j < objects.length; j++) {
      const [a, b] = [objects[i]!.id, objects[j]!.id];
      if (mayOverlap(relations, a, b)) continue;
      const [p, q] = [boxes.get(a)!, boxes.get(b)!];
      if (overlapArea(p, q) <= 0) continue;
      const dx = p.x + p.w / 2 - (q.x + q.w / 2);
      const dy = p.y + p.h / 2 - (q.y + q.h / 2);
      const pushX = (p.w + q.w) / 2 - Math.abs(dx);
      const pushY = (p.h + q.h) / 2 - Math.abs(dy);
      if (pushX < pushY) {
        const s = (dx >= 0 ? 1 : -1) * (pushX / 2 + 0.005);
        p.x += s;
        q.x -= s;
      } else {
        const s = (dy >= 0 ? 1 : -1) * (pushY / 2 + 0.005);
        p.y += s;
        q.y -= s;
      }
    }
  }
}

function needlessOverlap(objects: readonly Obj[], relations: readonly Rel[], boxes: Map<string, Box>): boolean {
  for (let i = 0; i < objects.length; i++) {
    for (let j = i + 1; j < objects.length; j++) {
      const [a, b] = [objects[i]!.id, objects[j]!.id];
      if (!mayOverlap(relations, a, b) && overlapArea(boxes.get(a)!, boxes.get(b)!) > 0) return true;
    }
  }
  return false;
}

function clamp(box: Box): void {
  box.w = Math.min(box.w, 1);
  box.h = Math.min(box.h, 1);
  box.x = Math.min(Math.max(box.x, 0), 1 - box.w);
  box.y = Math.min(Math.max(box.y, 0), 1 - box.h);
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


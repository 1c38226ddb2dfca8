import type { Relation } from '../contract/conditioning';
import { CONTACT, NEAR_DISTANCE, NEXT_TO_GAP } from './relations';

/**
 * The relations of relations.ts as linear constraints on box coordinates.
 *
 * Each object has a centre (cx, cy) and a size z; its box is kx·z wide and
 * ky·z high (kx, ky keep boxes square in pixels on a non-square image). The
 * 45-degree cones of the directional relations are quadrants in the frame
 * rotated by 45 degrees (u = x + y, v = x − y): "s left of o" is exactly
 * u_s < u_o and v_s < v_o. So every relation is a conjunction of linear
 * inequalities, apart from two disjunctions that a `Side` decides: the side on
 * which two boxes stick out of one another (what keeps "near" from being
 * containment) and the side of "next to". Strict inequalities keep a margin.
 */

export type Side = 'left' | 'right' | 'up' | 'down';

/** A linear expression: coefficients by variable name, plus a constant. */
export interface Expr {
  readonly terms: ReadonlyMap<string, number>;
  readonly constant: number;
}

/** `expr <= 0` or `expr >= 0`. */
export interface Row {
  readonly expr: Expr;
  readonly sense: '<=' | '>=';
}

export const MARGIN = 0.01;
/** `on`, `under`, `next to` and `near` are met with room to spare, so rounding never breaks them. */
const CONTACT_USED = CONTACT * 0.75;
const GAP_USED = NEXT_TO_GAP * 0.75;
/** "near" is a circle; its linear stand-in is the regular 16-gon inscribed in it (a hair smaller): 8 pairs of parallel sides. */
const NEAR_NORMALS = Array.from({ length: 8 }, (_, k) => [Math.cos((k * Math.PI) / 8), Math.sin((k * Math.PI) / 8)] as const);
const NEAR_APOTHEM = NEAR_DISTANCE * Math.cos(Math.PI / 16) * 0.99;

export function expr(terms: readonly (readonly [string, number])[], constant = 0): Expr {
  const map = new Map<string, number>();
  for (const [name, coefficient] of terms) map.set(name, (map.get(name) ?? 0) + coefficient);
  return { terms: map, constant };
}

/** a − b + constant */
export function minus(a: Expr, b: Expr, constant = 0): Expr {
  return expr([...a.terms, ...[...b.terms].map(([n, c]) => [n, -c] as const)], a.constant - b.constant + constant);
}

/** a + margin <= b */
const le = (a: Expr, b: Expr, margin = 0): Row => ({ expr: minus(a, b, margin), sense: '<=' });
/** a >= b + margin */
const ge = (a: Expr, b: Expr, margin = 0): Row => ({ expr: minus(a, b, -margin), sense: '>=' });
/** a − b <= distance */
const atMost = (a: Expr, b: Expr, distance: number): Row => le(a, b, -distance);

/** The variables and edges of one object's box. */
export class BoxVars {
  constructor(
    readonly id: string,
    private readonly kx: number,
    private readonly ky: number,
  ) {}
  get cx() {
    return `cx:${this.id}`;
  }
  get cy() {
    return `cy:${this.id}`;
  }
  get z() {
    return `z:${this.id}`;
  }
  left = () => expr([[this.cx, 1], [this.z, -this.kx / 2]]);
  right = () => expr([[this.cx, 1], [this.z, this.kx / 2]]);
  top = () => expr([[this.cy, 1], [this.z, -this.ky / 2]]);
  bottom = () => expr([[this.cy, 1], [this.z, this.ky / 2]]);
  centreX = () => expr([[this.cx, 1]]);
  centreY = () => expr([[this.cy, 1]]);
  /** The rotated frame: u = x + y, v = x − y. */
  u = () => expr([[this.cx, 1], [this.cy, 1]]);
  v = () => expr([[this.cx, 1], [this.cy, -1]]);
}

type Cone = 'left of' | 'right of' | 'above' | 'below';

/** Centre displacement inside a cone: a quadrant of the (u, v) frame. */
function cone(s: BoxVars, o: BoxVars, which: Cone): Row[] {
  const uSign = which === 'left of' || which === 'above' ? -1 : 1;
  const vSign = which === 'left of' || which === 'below' ? -1 : 1;
  return [
    uSign < 0 ? le(s.u(), o.u(), MARGIN) : ge(s.u(), o.u(), MARGIN),
    vSign < 0 ? le(s.v(), o.v(), MARGIN) : ge(s.v(), o.v(), MARGIN),
  ];
}

/** s reaches further towards `side` than o, and o further the other way: neither box contains the other. */
export function sticksOut(s: BoxVars, o: BoxVars, side: Side): Row[] {
  switch (side) {
    case 'left':
      return [le(s.left(), o.left(), MARGIN), le(s.right(), o.right(), MARGIN)];
    case 'right':
      return [ge(s.left(), o.left(), MARGIN), ge(s.right(), o.right(), MARGIN)];
    case 'up':
      return [le(s.top(), o.top(), MARGIN), le(s.bottom(), o.bottom(), MARGIN)];
    case 'down':
      return [ge(s.top(), o.top(), MARGIN), ge(s.bottom(), o.bottom(), MARGIN)];
  }
}

/** inner lies within outer, a margin from its edges. */
function contains(outer: BoxVars, inner: BoxVars): Row[] {
  return [le(outer.left(), inner.left(), MARGIN), ge(outer.right(), inner.right(), MARGIN), le(outer.top(), inner.top(), MARGIN), ge(outer.bottom(), inner.bottom(), MARGIN)];
}

/** |a − b| <= distance */
const within = (a: Expr, b: Expr, distance: number): Row[] => [atMost(a, b, distance), atMost(b, a, distance)];

const SIDE_OF_CONE: Readonly<Record<Cone, Side>> = { 'left of': 'left', 'right of': 'right', above: 'up', below: 'down' };

/** The relations whose constraints depend on a chosen side, and the sides they may take. */
export function sidesOf(predicate: Relation): readonly Side[] | null {
  if (predicate === 'next to') return ['left', 'right'];
  if (predicate === 'near') return ['left', 'right', 'up', 'down'];
  return null;
}

/** The constraints that make `s predicate o` hold by relationHolds, given the side where one is needed. */
export function relationRows(predicate: Relation, s: BoxVars, o: BoxVars, side: Side = 'left'): Row[] {
  switch (predicate) {
    case 'left of':
    case 'right of':
    case 'above':
    case 'below':
      return [...cone(s, o, predicate), ...sticksOut(s, o, SIDE_OF_CONE[predicate])];
    case 'inside':
      return contains(o, s);
    case 'surrounding':
      return contains(s, o);
    case 'on':
    case 'under': {
      const on = predicate === 'on';
      const touching = on ? within(s.bottom(), o.top(), CONTACT_USED) : within(s.top(), o.bottom(), CONTACT_USED);
      const overlapX = [ge(s.right(), o.left(), MARGIN), le(s.left(), o.right(), MARGIN)];
      return [...cone(s, o, on ? 'above' : 'below'), ...sticksOut(s, o, on ? 'up' : 'down'), ...touching, ...overlapX];
    }
    case 'next to': {
      const left = side === 'left';
      const gap = left ? atMost(o.left(), s.right(), GAP_USED) : atMost(s.left(), o.right(), GAP_USED);
      return [...cone(s, o, left ? 'left of' : 'right of'), ...sticksOut(s, o, left ? 'left' : 'right'), gap];
    }
    case 'near': {
      const along = (b: BoxVars, [nx, ny]: readonly [number, number]) => expr([[b.cx, nx], [b.cy, ny]]);
      return [...sticksOut(s, o, side), ...NEAR_NORMALS.flatMap((n) => within(along(s, n), along(o, n), NEAR_APOTHEM))];
    }
  }
}

/** Larger than any row's expression can be: coordinates lie in [0, 1]. */
const BIG_M = 4;

/** Rows that bind only when `switchVariable` (a 0/1 variable) is 1: a disjunction's branch, by big-M. */
export function onlyIf(rows: readonly Row[], switchVariable: string): Row[] {
  return rows.map(({ expr: e, sense }) =>
    sense === '<='
      ? { expr: expr([...e.terms, [switchVariable, BIG_M]], e.constant - BIG_M), sense }
      : { expr: expr([...e.terms, [switchVariable, -BIG_M]], e.constant + BIG_M), sense },
  );
}

/** The widest a directional relation is aimed: within 15 degrees of its cone's axis, so at least 30 degrees from the cone's edge. */
const AIM_TANGENT = Math.tan((15 * Math.PI) / 180);
const AXIS_OF_CONE: Readonly<Record<Cone, readonly [number, number]>> = { 'left of': [-1, 0], 'right of': [1, 0], above: [0, -1], below: [0, 1] };

/**
 * Rows that aim a directional relation at its cone's axis: |across| <=
 * tan 15° · along + slack, the slack (a non-negative variable the caller
 * charges for) paid where other relations pull the pair off the axis. Null
 * for relations without a cone to aim in.
 */
export function aimRows(predicate: Relation, s: BoxVars, o: BoxVars, slack: string): Row[] | null {
  if (!(predicate in AXIS_OF_CONE)) return null;
  const [ax, ay] = AXIS_OF_CONE[predicate as Cone];
  // along = axis · (s − o); across = the other component, either way round.
  const along = expr([[s.cx, ax], [o.cx, -ax], [s.cy, ay], [o.cy, -ay]]);
  const across = expr([[s.cx, ay], [o.cx, -ay], [s.cy, -ax], [o.cy, ax]]);
  const row = (sign: number): Row => ({ expr: expr([...[...across.terms].map(([v, c]) => [v, sign * c] as const), ...[...along.terms].map(([v, c]) => [v, -AIM_TANGENT * c] as const), [slack, -1]]), sense: '<=' });
  return [row(1), row(-1)];
}

/** A box's edges `inset` from the image's border, the slack (charged by the caller) paid where relations put it closer. */
export function insetRows(b: BoxVars, inset: number, slack: string): Row[] {
  const withSlack = (e: Expr, sign: number, constant: number): Row => ({ expr: expr([...e.terms, [slack, sign]], e.constant + constant), sense: sign > 0 ? '>=' : '<=' });
  return [withSlack(b.left(), 1, -inset), withSlack(b.top(), 1, -inset), withSlack(b.right(), -1, inset - 1), withSlack(b.bottom(), -1, inset - 1)];
}

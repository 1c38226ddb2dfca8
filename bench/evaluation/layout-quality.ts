import { RELATIONS, type NormalizedRect, type Relation } from '../../app/contract/conditioning';
import { relationHolds } from '../../app/domain/relations';

/**
 * How a solved layout looks, beyond "every relation holds": how far each
 * directional relation sits from the edge of its 45-degree cone (a box "left
 * of" another but nearly as much above it looks above), and which boxes are
 * pressed against the image's border. Used by the layout bench and the
 * solver's property test.
 */

export interface Rel {
  readonly subject: string;
  readonly predicate: Relation;
  readonly object: string;
}

const AXIS: Readonly<Partial<Record<Relation, readonly [number, number]>>> = { 'left of': [-1, 0], 'right of': [1, 0], above: [0, -1], below: [0, 1] };

const centre = (r: NormalizedRect) => [r.x + r.width / 2, r.y + r.height / 2] as const;

/** For each left of / right of / above / below: degrees between the centres' displacement and the nearest edge of its cone (45 on the axis, 0 on the edge). */
export function coneMargins(rects: ReadonlyMap<string, NormalizedRect>, relations: readonly Rel[]): number[] {
  return relations.flatMap((r) => {
    const axis = AXIS[r.predicate];
    if (!axis) return [];
    const [sx, sy] = centre(rects.get(r.subject)!);
    const [ox, oy] = centre(rects.get(r.object)!);
    const [dx, dy] = [sx - ox, sy - oy];
    const along = dx * axis[0] + dy * axis[1];
    const across = Math.abs(dx * axis[1] - dy * axis[0]);
    return [45 - (Math.atan2(across, along) * 180) / Math.PI];
  });
}

/** Boxes within `reach` of the image's border. */
export function touchingBorder(rects: Iterable<NormalizedRect>, reach = 0.005): number {
  let count = 0;
  for (const r of rects) if (r.x <= reach || r.y <= reach || r.x + r.width >= 1 - reach || r.y + r.height >= 1 - reach) count++;
  return count;
}

export interface Looks {
  /** Share of directional relations within 5 degrees of a cone's edge. */
  readonly nearEdge: number;
  readonly medianMargin: number;
  readonly relations: number;
  /** Share of boxes touching the border. */
  readonly touching: number;
  readonly boxes: number;
}

/** How a set of solved layouts looks, together: each layout's boxes by id and the relations it was asked for. */
export function looksOf(layouts: Iterable<{ readonly rects: ReadonlyMap<string, NormalizedRect>; readonly relations: readonly Rel[] }>): Looks {
  const margins: number[] = [];
  let [boxes, touching] = [0, 0];
  for (const { rects, relations } of layouts) {
    margins.push(...coneMargins(rects, relations));
    boxes += rects.size;
    touching += touchingBorder(rects.values());
  }
  margins.sort((a, b) => a - b);
  return { nearEdge: margins.filter((m) => m < 5).length / margins.length, medianMargin: margins[Math.floor(margins.length / 2)]!, relations: margins.length, touching: touching / boxes, boxes };
}

/** A fixed linear congruential sequence: the same graphs on every run. */
export function sequence(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/**
 * A satisfiable graph of `count` objects with nested containers: boxes placed
 * at random, about a third of them inside another (a container's children
 * within it), and up to `relations` relations read off random pairs (so a
 * layout exists: these boxes).
 */
export function nestedGraph(count: number, relations: number, random: () => number): { objects: { id: string; name: string }[]; relations: Rel[] } {
  const boxes: NormalizedRect[] = [];
  for (let i = 0; i < count; i++) {
    const parent = i > 0 && random() < 0.35 ? boxes[Math.floor(random() * i)]! : null;
    const [px, py, pw, ph] = parent ? [parent.x, parent.y, parent.width, parent.height] : [0, 0, 1, 1];
    const scale = parent ? 0.3 + 0.4 * random() : 0.12 + 0.25 * random();
    const [w, h] = [pw * scale, ph * scale];
    boxes.push({ x: px + (pw - w) * random(), y: py + (ph - h) * random(), width: w, height: h });
  }
  const read: Rel[] = [];
  for (let tries = 0; read.length < relations && tries < relations * 20; tries++) {
    const [i, j] = [Math.floor(random() * count), Math.floor(random() * count)];
    if (i === j || read.some((r) => r.subject === `o${i}` && r.object === `o${j}`)) continue;
    const holding = RELATIONS.filter((p) => relationHolds(p, boxes[i]!, boxes[j]!));
    if (holding.length > 0) read.push({ subject: `o${i}`, predicate: holding[Math.floor(random() * holding.length)]!, object: `o${j}` });
  }
  return { objects: boxes.map((_, i) => ({ id: `o${i}`, name: `shape${i}` })), relations: read };
}

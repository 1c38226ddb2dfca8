import type { NormalizedRect, Relation } from '../contract/conditioning';

/**
 * Whether a relation holds between two boxes, by sg2im's COCO rule (Johnson
 * et al. 2018) as LayoutGPT evaluates it: containment first (inside /
 * surrounding), otherwise the angle of the centre displacement, in 45-degree
 * cones (y grows downwards). `on`, `under`, `next to` and `near` add contact
 * or distance to those cones.
 */
export function relationHolds(predicate: Relation, s: NormalizedRect, o: NormalizedRect): boolean {
  const contains = (a: NormalizedRect, b: NormalizedRect) => a.x <= b.x && a.y <= b.y && a.x + a.width >= b.x + b.width && a.y + a.height >= b.y + b.height;
  const dx = s.x + s.width / 2 - (o.x + o.width / 2);
  const dy = s.y + s.height / 2 - (o.y + o.height / 2);
  const contained = contains(s, o) || contains(o, s);
  const cone = contained ? null : coneOf(dx, dy);
  const horizontalOverlap = Math.min(s.x + s.width, o.x + o.width) - Math.max(s.x, o.x);
  const gapX = Math.max(o.x - (s.x + s.width), s.x - (o.x + o.width), 0);
  switch (predicate) {
    case 'inside':
      return contains(o, s);
    case 'surrounding':
      return contains(s, o);
    case 'left of':
    case 'right of':
    case 'above':
    case 'below':
      return cone === predicate;
    case 'on':
      return cone === 'above' && horizontalOverlap > 0 && Math.abs(s.y + s.height - o.y) <= CONTACT;
    case 'under':
      return cone === 'below' && horizontalOverlap > 0 && Math.abs(s.y - (o.y + o.height)) <= CONTACT;
    case 'next to':
      return (cone === 'left of' || cone === 'right of') && gapX <= NEXT_TO_GAP;
    case 'near':
      return !contained && Math.hypot(dx, dy) <= NEAR_DISTANCE;
  }
}

/** How close `on`/`under` boxes must touch, `next to` boxes stand, and `near` centres lie (fractions of the image). */
export const CONTACT = 0.04;
export const NEXT_TO_GAP = 0.08;
export const NEAR_DISTANCE = 0.35;

export function coneOf(dx: number, dy: number): 'left of' | 'right of' | 'above' | 'below' {
  const theta = Math.atan2(dy, dx);
  if (theta >= (3 * Math.PI) / 4 || theta <= (-3 * Math.PI) / 4) return 'left of';
  if (theta < -Math.PI / 4) return 'above';
  if (theta < Math.PI / 4) return 'right of';
  return 'below';
}

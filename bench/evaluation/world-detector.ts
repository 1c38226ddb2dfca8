import type { RgbImage } from '../../main/engine/pipeline/vae';
/**
 * Finds the objects in an image of the starter model's procedural world
 * (models/starter/training/world.py) without learned weights: every pixel is
 * classified to the nearest colour of the world's palettes (object colours and
 * background colours are far apart by design), each object colour's pixels
 * form the object, and its shape is read from geometric features of that mask:
 * an enclosed hole (ring), how much of its box it fills (square, circle), and
 * its row-width profile (triangle widens downwards, a cross is wide only across
 * the middle, a star is neither).
 */

export interface WorldPalette {
  readonly shapes: readonly string[];
  readonly colors: Readonly<Record<string, readonly [number, number, number]>>;
  readonly backgrounds: Readonly<Record<string, readonly [number, number, number]>>;
}

/** x0, y0, x1, y1 in fractions of the image. */
export type Box = readonly [number, number, number, number];

export interface DetectedObject {
  readonly color: string;
  readonly shape: string;
  readonly box: Box;
  /** Pixels of the object. */
  readonly area: number;
}

/** Smallest object, as a fraction of the image's pixels: smaller specks are noise. */
const MIN_AREA = 0.01;
/** Background textures darken their colour by 15%: those shades count as background too. */
const TEXTURE_SHADE = 0.85;

export function detectObjects(image: RgbImage, palette: WorldPalette): DetectedObject[] {
  const objectColors = Object.entries(palette.colors);
  const backgroundColors = Object.values(palette.backgrounds).flatMap((c) => [c, c.map((v) => v * TEXTURE_SHADE) as unknown as readonly [number, number, number]]);
  const { width, height, data } = image;
  const labels = new Int16Array(width * height).fill(-1);
  for (let p = 0; p < width * height; p++) {
    const pixel = [data[p * 3]!, data[p * 3 + 1]!, data[p * 3 + 2]!] as const;
    let best = -1;
    let bestDistance = Infinity;
    objectColors.forEach(([, c], i) => {
      const d = distance(pixel, c);
      if (d < bestDistance) [best, bestDistance] = [i, d];
    });
    const background = Math.min(...backgroundColors.map((c) => distance(pixel, c)));
    if (bestDistance < background && bestDistance < 90) labels[p] = best;
  }

  const found: DetectedObject[] = [];
  objectColors.forEach(([name], index) => {
    const components = connectedComponents(labels, index, width, height).filter((c) => c.length >= MIN_AREA * width * height);
    if (components.length === 0) return;
    // One object per colour (the world never repeats a colour in a scene): the largest part, and parts nearly as large (an object cut by another).
    const largest = Math.max(...components.map((c) => c.length));
    const pixels = components.filter((c) => c.length >= 0.3 * largest).flat();
    found.push({ color: name, ...describe(pixels, width, height, palette) });
  });
  return found;
}

function distance(a: readonly number[], b: readonly number[]): number {
  return Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!);
}

function connectedComponents(labels: Int16Array, label: number, width: number, height: number): number[][] {
  const seen = new Uint8Array(labels.length);
  const components: number[][] = [];
  for (let start = 0; start < labels.length; start++) {
    if (labels[start] !== label || seen[start]) continue;
    const component: number[] = [];
    const stack = [start];
    seen[start] = 1;
    while (stack.length > 0) {
      const p = stack.pop()!;
      component.push(p);
      const [x, y] = [p % width, Math.floor(p / width)];
      for (const [nx, ny] of [[x - 1, y], [x + 1, y], [x, y - 1], [x, y + 1]] as const) {
        if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
        const q = ny * width + nx;
        if (labels[q] === label && !seen[q]) {
          seen[q] = 1;
          stack.push(q);
        }
      }
    }
    components.push(component);
  }
  return components;
}

function describe(pixels: readonly number[], width: number, height: number, palette: WorldPalette): { shape: string; box: Box; area: number } {
  const xs = pixels.map((p) => p % width);
  const ys = pixels.map((p) => Math.floor(p / width));
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs) + 1, Math.min(...ys), Math.max(...ys) + 1];
  const [w, h] = [x1 - x0, y1 - y0];
  const mask = new Uint8Array(w * h);
  for (const p of pixels) mask[(Math.floor(p / width) - y0) * w + ((p % width) - x0)] = 1;
  const box: Box = [x0 / width, y0 / height, x1 / width, y1 / height];
  return { shape: classifyShape(mask, w, h, palette.shapes), box, area: pixels.length };
}

/** The shape of a mask cropped to its box. */
export function classifyShape(mask: Uint8Array, w: number, h: number, shapes: readonly string[]): string {
  const area = mask.reduce((a, v) => a + v, 0);
  const fill = area / (w * h);
  const hole = enclosedArea(mask, w, h);
  const pick = (shape: string) => (shapes.includes(shape) ? shape : shapes[0]!);
  // A ring's middle is empty, even when another object covers part of the ring and opens its hole.
  let centre = 0;
  let centreCells = 0;
  for (let y = Math.floor(h * 0.4); y < Math.ceil(h * 0.6); y++) {
    for (let x = Math.floor(w * 0.4); x < Math.ceil(w * 0.6); x++) {
      centre += mask[y * w + x]!;
      centreCells++;
    }
  }
  if (hole > 0.12 * (area + hole) || (centre < 0.25 * centreCells && fill < 0.6)) return pick('ring');
  if (fill > 0.9) return pick('square');
  const rowWidth = (from: number, to: number) => {
    let widest = 0;
    for (let y = Math.floor(from * h); y < Math.max(Math.floor(from * h) + 1, Math.ceil(to * h)); y++) {
      let row = 0;
      for (let x = 0; x < w; x++) row += mask[y * w + x]!;
      widest = Math.max(widest, row);
    }
    return widest / w;
  };
  const [top, middle, bottom] = [rowWidth(0, 0.2), rowWidth(0.4, 0.6), rowWidth(0.8, 1)];
  if (fill > 0.7) return pick('circle');
  // A star stands on two legs: its low rows are cut in two.
  const lowRow = Math.min(h - 1, Math.floor(h * 0.85));
  let runs = 0;
  for (let x = 0; x < w; x++) if (mask[lowRow * w + x] && (x === 0 || !mask[lowRow * w + x - 1])) runs++;
  if (runs >= 2) return pick('star');
  if (top < 0.45 && bottom > 0.75) return pick('triangle');
  if (middle > 0.85 && top < 0.6 && bottom < 0.6 && fill > 0.45) return pick('cross');
  return pick('star');
}

/** Background pixels inside the box that the box's border cannot reach: a ring's hole. */
function enclosedArea(mask: Uint8Array, w: number, h: number): number {
  const reached = new Uint8Array(w * h);
  const stack: number[] = [];
  for (let x = 0; x < w; x++) stack.push(x, (h - 1) * w + x);
  for (let y = 0; y < h; y++) stack.push(y * w, y * w + w - 1);
  while (stack.length > 0) {
    const p = stack.pop()!;
    if (reached[p] || mask[p]) continue;
    reached[p] = 1;
    const [x, y] = [p % w, Math.floor(p / w)];
    if (x > 0) stack.push(p - 1);
    if (x < w - 1) stack.push(p + 1);
    if (y > 0) stack.push(p - w);
    if (y < h - 1) stack.push(p + w);
  }
  let enclosed = 0;
  for (let p = 0; p < w * h; p++) if (!mask[p] && !reached[p]) enclosed++;
  return enclosed;
}

/** Intersection over union of two boxes. */
export function iou(a: Box, b: Box): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
}

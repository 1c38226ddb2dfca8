/**
 * Masks are stored as the engine reads them (opaque PNGs, white inside, greys
 * at soft edges) and painted as alpha (white with coverage in the alpha
 * channel), so the brush, the eraser and the tinted display are plain
 * compositing on the GPU.
 */

export function canvasOf(width: number, height: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  return canvas;
}

/** An image from a URL, decoded; through an image element, which the CSP lets read data: URLs (fetch may not). */
export async function decodeImage(url: string): Promise<HTMLImageElement> {
  const image = new Image();
  image.src = url;
  await image.decode();
  return image;
}

const context = (canvas: HTMLCanvasElement) => canvas.getContext('2d', { willReadFrequently: false })!;

/** A mask with nothing painted, as a PNG data URL. */
export function blankMaskPng(width: number, height: number): string {
  const canvas = canvasOf(width, height);
  const c = context(canvas);
  c.fillStyle = '#000';
  c.fillRect(0, 0, width, height);
  return canvas.toDataURL('image/png');
}

/** A rectangle of pixels, end exclusive. */
export interface PixelBounds {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

export const unionBounds = (a: PixelBounds | null, b: PixelBounds | null): PixelBounds | null =>
  !a ? b : !b ? a : { x0: Math.min(a.x0, b.x0), y0: Math.min(a.y0, b.y0), x1: Math.max(a.x1, b.x1), y1: Math.max(a.y1, b.y1) };

/** A stored mask (any size) as an alpha canvas of the page's size (white's brightness becomes coverage), and where it has paint. */
export async function decodeMaskAlpha(url: string, width: number, height: number): Promise<{ alpha: HTMLCanvasElement; bounds: PixelBounds | null }> {
  const image = await decodeImage(url);
  const target = canvasOf(width, height);
  const c = target.getContext('2d', { willReadFrequently: true })!;
  c.drawImage(image, 0, 0, width, height);
  const pixels = c.getImageData(0, 0, width, height);
  const data = pixels.data;
  let [x0, y0, x1, y1] = [width, height, 0, 0];
  for (let i = 0; i < data.length; i += 4) {
    const coverage = data[i]!;
    data[i] = data[i + 1] = data[i + 2] = 255;
    data[i + 3] = coverage;
    if (coverage === 0) continue;
    const p = i / 4;
    const [x, y] = [p % width, Math.floor(p / width)];
    [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x + 1), Math.max(y1, y + 1)];
  }
  c.putImageData(pixels, 0, 0);
  return { alpha: target, bounds: x1 > x0 ? { x0, y0, x1, y1 } : null };
}

/** The alpha canvas as the engine's mask: white over black. */
export function alphaToMaskPng(alpha: HTMLCanvasElement): string {
  const canvas = canvasOf(alpha.width, alpha.height);
  const c = context(canvas);
  c.fillStyle = '#000';
  c.fillRect(0, 0, canvas.width, canvas.height);
  c.drawImage(alpha, 0, 0);
  return canvas.toDataURL('image/png');
}

/** The mask in a colour, for the canvas to show; only within `bounds`, where the paint is. */
export function tint(alpha: HTMLCanvasElement, colour: string, target: HTMLCanvasElement, bounds: PixelBounds): void {
  const c = context(target);
  const [x, y, w, h] = [bounds.x0, bounds.y0, bounds.x1 - bounds.x0, bounds.y1 - bounds.y0];
  c.save();
  // source-in composites over the whole canvas, clearing what it does not cover: the clip keeps it to the region.
  c.beginPath();
  c.rect(x, y, w, h);
  c.clip();
  c.clearRect(x, y, w, h);
  c.drawImage(alpha, x, y, w, h, x, y, w, h);
  c.globalCompositeOperation = 'source-in';
  c.fillStyle = colour;
  c.fillRect(x, y, w, h);
  c.restore();
}

/** Whether a stored mask has any pixel painted; masks never change once stored, so each is looked at once. */
const paintedCache = new Map<string, Promise<boolean>>();
export function isPainted(asset: string, url: string): Promise<boolean> {
  let known = paintedCache.get(asset);
  if (!known) {
    known = (async () => {
      const image = await decodeImage(url);
      const canvas = canvasOf(image.naturalWidth, image.naturalHeight);
      const c = canvas.getContext('2d', { willReadFrequently: true })!;
      c.drawImage(image, 0, 0);
      const data = c.getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 0; i < data.length; i += 4) if (data[i]! > 8) return true;
      return false;
    })();
    paintedCache.set(asset, known);
  }
  return known;
}

import { inflateSync } from 'node:zlib';

/** PNG colour types and their channels (PNG 1.2, table 11.1). */
const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Adam7's passes: starting column and row, and the steps between them. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

export interface PngLayout {
  readonly width: number;
  readonly height: number;
  readonly depth: number;
  readonly colorType: number;
  readonly interlaced: boolean;
}

/** The exact length of a PNG's inflated image data (filter byte + packed samples per row, per pass when interlaced). */
export function inflatedLength({ width, height, depth, colorType, interlaced }: PngLayout): number {
  const bitsPerPixel = (CHANNELS[colorType] ?? 4) * depth;
  const rows = (w: number, h: number) => (w === 0 || h === 0 ? 0 : h * (1 + Math.ceil((w * bitsPerPixel) / 8)));
  if (!interlaced) return rows(width, height);
  return ADAM7.reduce((sum, [x0, y0, dx, dy]) => sum + rows(Math.ceil((width - x0) / dx), Math.ceil((height - y0) / dy)), 0);
}

export class InflateBoundError extends Error {}

/**
 * Inflates a PNG's image data with a cap taken from its header: a 2 MB file
 * whose header says 64x64 but whose IDAT inflates to 2 GB stops at the cap,
 * having used no more memory than the image it claims to be.
 */
export function checkImageData(png: Uint8Array, layout: PngLayout): void {
  const parts: Uint8Array[] = [];
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  for (let at = 8; at + 8 <= png.length; ) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    if (type === 'IDAT') parts.push(png.subarray(at + 8, Math.min(png.length, at + 8 + length)));
    if (type === 'IEND') break;
    at += 12 + length;
  }
  const limit = inflatedLength(layout);
  try {
    inflateSync(Buffer.concat(parts), { maxOutputLength: Math.max(1, limit) });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new InflateBoundError(`its pixel data inflates past the ${limit} bytes its ${layout.width}x${layout.height} header allows`);
    throw new InflateBoundError(`its pixel data cannot be inflated (${(error as Error).message})`);
  }
}

/** Text chunks hold parameters, not payloads: more than this inflated is refused. */
export const MAX_TEXT_INFLATED = 4 * 1024 * 1024;

/** zlib for a text chunk (zTXt, compressed iTXt), stopping at MAX_TEXT_INFLATED. */
export const inflateText = (compressed: Uint8Array): Uint8Array => inflateSync(compressed, { maxOutputLength: MAX_TEXT_INFLATED });

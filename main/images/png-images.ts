import { readFile, stat } from 'node:fs/promises';
import { decode } from 'fast-png';
import { ImageError } from './image-error';
import { checkImageData, InflateBoundError, type PngLayout } from './inflate-bounds';
import { PNG_SIGNATURE } from '../../app/domain/png-text';

/** An 8-bit RGB image, rows top to bottom. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/**
 * What the studio decodes at most. A PNG's header says how big it will be, so
 * anything larger is refused before a byte is inflated: a 48 KB file may
 * claim 20000x20000 pixels and 1.2 GB of memory.
 */
export const IMAGE_LIMITS = { bytes: 64 * 1024 * 1024, side: 8192, pixels: 32_000_000 } as const;

/** Reads a PNG (any bit depth, palette, alpha) as 8-bit RGB; anything else is an `invalid-image` error. */
export async function readRgbImage(path: string): Promise<RgbImage> {
  let bytes: Buffer;
  try {
    const { size } = await stat(path);
    if (size > IMAGE_LIMITS.bytes) throw new ImageError('image-too-large', `${path} is ${(size / 2 ** 20).toFixed(0)} MB; images up to ${IMAGE_LIMITS.bytes / 2 ** 20} MB are read`);
    bytes = await readFile(path);
  } catch (error) {
    if (error instanceof ImageError) throw error;
    throw new ImageError('invalid-image', `Cannot read the image ${path}`);
  }
  return decodeRgbPng(bytes, path);
}

/** A picture the engine was given: a PNG data: URL (the studio's, from an asset) or a file path (the CLI's). `what` names it in errors. */
export async function readImageSource(source: string, what: string): Promise<RgbImage> {
  if (!source.startsWith('data:')) return readRgbImage(source);
  const match = /^data:image\/png;base64,(.+)$/s.exec(source);
  if (!match) throw new ImageError('invalid-image', `${what} must be a PNG data: URL`);
  return decodeRgbPng(Buffer.from(match[1]!, 'base64'), what);
}

/** PNG bytes as 8-bit RGB; `origin` names them in the error. */
export function decodeRgbPng(bytes: Uint8Array, origin: string): RgbImage {
  const layout = checkPngHeader(bytes, origin);
  try {
    checkImageData(bytes, layout);
  } catch (error) {
    if (error instanceof InflateBoundError) throw new ImageError(error.message.startsWith('its pixel data inflates past') ? 'image-too-large' : 'invalid-image', `${origin} is refused: ${error.message}`);
    throw error;
  }
  let png: ReturnType<typeof decode>;
  try {
    png = decode(bytes);
  } catch (error) {
    throw new ImageError('invalid-image', `${origin} is not a PNG image the studio can read (${(error as Error).message})`);
  }
  const { width, height, channels, depth } = png;
  const source = png.palette ? expandPalette(png.data as Uint8Array, png.palette) : png.data;
  const sourceChannels = png.palette ? 3 : channels;
  const scale = depth === 16 ? 1 / 257 : depth < 8 ? 255 / (2 ** depth - 1) : 1;
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) {
      const from = sourceChannels >= 3 ? c : 0;
      data[p * 3 + c] = Math.round(Number(source[p * sourceChannels + from]) * scale);
    }
  }
  return { width, height, data };
}

/** Reads the IHDR chunk, which the PNG format puts first, and holds its size to the limits. */
function checkPngHeader(bytes: Uint8Array, origin: string): PngLayout {
  if (bytes.length > IMAGE_LIMITS.bytes) throw new ImageError('image-too-large', `${origin} is ${(bytes.length / 2 ** 20).toFixed(0)} MB; images up to ${IMAGE_LIMITS.bytes / 2 ** 20} MB are read`);
  const isPng = bytes.length >= 24 && PNG_SIGNATURE.every((b, i) => bytes[i] === b) && String.fromCharCode(...bytes.subarray(12, 16)) === 'IHDR';
  if (!isPng) throw new ImageError('invalid-image', `${origin} is not a PNG image`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [width, height] = [view.getUint32(16), view.getUint32(20)];
  if (width > IMAGE_LIMITS.side || height > IMAGE_LIMITS.side || width * height > IMAGE_LIMITS.pixels) {
    throw new ImageError('image-too-large', `${origin} is ${width}x${height} pixels; images up to ${IMAGE_LIMITS.side} pixels a side and ${IMAGE_LIMITS.pixels / 1e6} megapixels are read`);
  }
  if (bytes.length < 29) throw new ImageError('invalid-image', `${origin} is not a PNG image`);
  return { width, height, depth: bytes[24]!, colorType: bytes[25]!, interlaced: bytes[28] === 1 };
}

function expandPalette(indices: Uint8Array, palette: readonly (readonly number[])[]): Uint8Array {
  const out = new Uint8Array(indices.length * 3);
  indices.forEach((i, p) => out.set((palette[i] ?? [0, 0, 0]).slice(0, 3), p * 3));
  return out;
}

/** Bilinear resize, for an init image or mask that is not the requested size. */
export function resizeRgb(image: RgbImage, width: number, height: number): RgbImage {
  if (image.width === width && image.height === height) return image;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const sy = Math.max(0, ((y + 0.5) * image.height) / height - 0.5);
    const y0 = Math.min(image.height - 1, Math.floor(sy));
    const y1 = Math.min(image.height - 1, y0 + 1);
    const fy = sy - y0;
    for (let x = 0; x < width; x++) {
      const sx = Math.max(0, ((x + 0.5) * image.width) / width - 0.5);
      const x0 = Math.min(image.width - 1, Math.floor(sx));
      const x1 = Math.min(image.width - 1, x0 + 1);
      const fx = sx - x0;
      for (let c = 0; c < 3; c++) {
        const at = (yy: number, xx: number) => image.data[(yy * image.width + xx) * 3 + c]!;
        const top = at(y0, x0) * (1 - fx) + at(y0, x1) * fx;
        const bottom = at(y1, x0) * (1 - fx) + at(y1, x1) * fx;
        data[(y * width + x) * 3 + c] = Math.round(top * (1 - fy) + bottom * fy);
      }
    }
  }
  return { width, height, data };
}

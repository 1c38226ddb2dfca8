import type { NormalizedRect, RegionMask } from '../../../app/contract/conditioning';
import { readImageSource, resizeRgb, type RgbImage } from '../../images/png-images';

/** A mask over the latent grid: one weight in [0, 1] per latent pixel, rows top to bottom. */
export interface LatentMask {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/** A rectangle's coverage of each latent cell (fractional at its edges, so the area is preserved). */
export function rectMask(rect: NormalizedRect, width: number, height: number): LatentMask {
  const data = new Float32Array(width * height);
  const [x0, x1] = [rect.x * width, (rect.x + rect.width) * width];
  const [y0, y1] = [rect.y * height, (rect.y + rect.height) * height];
  // Stryker disable next-line EqualityOperator: a row or column past the grid is covered 0 (a typed array ignores a write past its end)
  for (let y = 0; y < height; y++) {
    const cover = Math.max(0, Math.min(y + 1, y1) - Math.max(y, y0));
    // Stryker disable next-line ConditionalExpression: skipping an uncovered row only saves writing its zeros
    if (cover === 0) continue;
    // Stryker disable next-line EqualityOperator: as above
    for (let x = 0; x < width; x++) data[y * width + x] = cover * Math.max(0, Math.min(x + 1, x1) - Math.max(x, x0));
  }
  return { width, height, data };
}

/** Any region mask at latent resolution: rectangles exactly, painted masks by area average of their pixels. */
export async function latentMask(mask: RegionMask, width: number, height: number): Promise<LatentMask> {
  if (mask.kind === 'rect') return rectMask(mask.rect, width, height);
  const image = await readImageSource(mask.png, 'The painted mask');
  return { width, height, data: maskToLatent(image, width, height) };
}

/** Area-preserving downsampling by an integer factor (the mask of an attention layer f times coarser than the latent). */
export function downsample(mask: LatentMask, factor: number): LatentMask {
  // Stryker disable next-line ConditionalExpression: a factor of 1 averages each cell alone, the same mask; this only skips the copy
  if (factor === 1) return mask;
  const width = Math.ceil(mask.width / factor);
  const height = Math.ceil(mask.height / factor);
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      let count = 0;
      for (let dy = 0; dy < factor; dy++) {
        for (let dx = 0; dx < factor; dx++) {
          const [sx, sy] = [x * factor + dx, y * factor + dy];
          if (sx < mask.width && sy < mask.height) {
            sum += mask.data[sy * mask.width + sx]!;
            count++;
          }
        }
      }
      data[y * width + x] = count ? sum / count : 0;
    }
  }
  return { width, height, data };
}

/** A mask image as repaint weights at latent resolution (area average of each 8x8 block; white repaints). */
export function maskToLatent(mask: RgbImage, latentWidth: number, latentHeight: number): Float32Array {
  const sized = resizeRgb(mask, latentWidth * 8, latentHeight * 8);
  const out = new Float32Array(latentWidth * latentHeight);
  for (let y = 0; y < latentHeight; y++) {
    for (let x = 0; x < latentWidth; x++) {
      let sum = 0;
      for (let dy = 0; dy < 8; dy++) for (let dx = 0; dx < 8; dx++) sum += sized.data[((y * 8 + dy) * sized.width + x * 8 + dx) * 3]!;
      out[y * latentWidth + x] = sum / (64 * 255);
    }
  }
  return out;
}

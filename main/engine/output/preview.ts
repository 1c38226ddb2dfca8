import { encodePng } from './png';

/**
 * A cheap look at latents: each pixel's four channels mixed to RGB by the
 * family's linear factors, at latent resolution, as a PNG data URL.
 */
export function latentPreview(latents: Float32Array, factors: readonly (readonly [number, number, number])[], width: number, height: number): string {
  const plane = width * height;
  const rgb = new Uint8Array(plane * 3);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      let v = 0;
      for (let k = 0; k < factors.length; k++) v += latents[k * plane + p]! * factors[k]![c]!;
      rgb[p * 3 + c] = Math.round(Math.min(1, Math.max(0, (v + 1) / 2)) * 255);
    }
  }
  return `data:image/png;base64,${encodePng(width, height, rgb).toString('base64')}`;
}

import { readdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LoadedModel } from '../model/loaded-model';
import { decodeLatents } from '../pipeline/vae';
import { encodePng } from '../../images/png';

/** A VAE decoder this small (graph and weights) is a reshuffle, not a network: decoding it for every preview costs nothing. */
const CHEAP_DECODER_BYTES = 1024 * 1024;
const cheapDecoders = new WeakMap<LoadedModel, boolean>();

/**
 * A look at the latents mid-run, as a PNG data URL. SD's four-channel latents
 * are mixed to RGB by the family's linear factors (at latent resolution, as
 * ComfyUI and A1111 do); a latent layout those factors do not describe is
 * decoded by the model's own VAE when its decoder is tiny (exact, as for the
 * starter model's space-to-depth VAE), else shown as the channels' mean in grey.
 */
export async function previewOf(model: LoadedModel, latents: Float32Array, width: number, height: number): Promise<string> {
  const { channels } = model.folder.latent;
  const factors = model.family.latentRgb;
  if (channels <= factors.length) return latentPreview(latents, factors.slice(0, channels), width, height);
  if (isCheapDecoder(model)) {
    const image = await decodeLatents(model, latents, height, width);
    return dataUrl(encodePng(image.width, image.height, image.data));
  }
  const grey = Array.from({ length: channels }, () => [1 / channels, 1 / channels, 1 / channels] as const);
  return latentPreview(latents, grey, width, height);
}

/** Each pixel's channels mixed to RGB by linear factors, at latent resolution. */
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
  return dataUrl(encodePng(width, height, rgb));
}

const dataUrl = (png: Buffer) => `data:image/png;base64,${png.toString('base64')}`;

function isCheapDecoder(model: LoadedModel): boolean {
  let cheap = cheapDecoders.get(model);
  if (cheap === undefined) {
    const folder = dirname(model.folder.parts.vae_decoder!);
    cheap = readdirSync(folder).reduce((sum, name) => sum + statSync(`${folder}/${name}`).size, 0) <= CHEAP_DECODER_BYTES;
    cheapDecoders.set(model, cheap);
  }
  return cheap;
}

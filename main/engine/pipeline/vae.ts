import { inputType, type LoadedModel } from '../model/loaded-model';
import { ModelError } from '../model/model-error';
import { makeTensor, readFloats } from '../onnx/tensors';
import type { RgbImage } from '../../images/png-images';

export type { RgbImage };

/** Latents (scaled as the UNet sees them) to an RGB image through vae_decoder. */
export async function decodeLatents(model: LoadedModel, latents: Float32Array, h: number, w: number): Promise<RgbImage> {
  const part = model.vaeDecoder;
  const inputName = [...part.inputs.keys()][0]!;
  const scaled = latents.map((v) => v / model.vaeScalingFactor);
  const out = await part.session.run({ [inputName]: makeTensor(inputType(part, inputName), scaled, [1, model.folder.latent.channels, h, w]) });
  const tensor = out[part.outputs[0]!]!;
  const [, , height, width] = tensor.dims as [number, number, number, number];
  const planes = readFloats(tensor);
  const data = new Uint8Array(width * height * 3);
  const plane = width * height;
  // Stryker disable next-line EqualityOperator: one pixel or channel past the end writes past the typed array (ignored) or a value the next pixel overwrites
  for (let p = 0; p < plane; p++) {
    // Stryker disable next-line EqualityOperator: as above
    for (let c = 0; c < 3; c++) data[p * 3 + c] = Math.round(Math.min(1, Math.max(0, (planes[c * plane + p]! + 1) / 2)) * 255);
  }
  return { width, height, data };
}

/**
 * An RGB image to scaled latents through vae_encoder. Exports answer either a
 * latent (`latent_sample`) or the distribution's parameters
 * (`latent_parameters`, mean then log-variance): the mean is taken, so the
 * same image always gives the same latent.
 */
export async function encodeImage(model: LoadedModel, image: RgbImage): Promise<Float32Array> {
  if (!model.hasVaeEncoder) {
    throw new ModelError('img2img-unavailable', `${model.folder.name} has no vae_encoder, so img2img and inpainting are unavailable with it`);
  }
  const part = await model.vaeEncoder();
  const inputName = [...part.inputs.keys()][0]!;
  const plane = image.width * image.height;
  const pixels = new Float32Array(3 * plane);
  // Stryker disable next-line EqualityOperator: a fourth channel writes past the typed array, which is ignored
  for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) pixels[c * plane + p] = (image.data[p * 3 + c]! / 255) * 2 - 1;
  const out = await part.session.run({ [inputName]: makeTensor(inputType(part, inputName), pixels, [1, 3, image.height, image.width]) });
  const tensor = out[part.outputs[0]!]!;
  const values = readFloats(tensor);
  const latentPlane = (tensor.dims[2] as number) * (tensor.dims[3] as number);
  return values.slice(0, model.folder.latent.channels * latentPlane).map((v) => v * model.vaeScalingFactor);
}

import type { Denoiser } from './samplers';

export type Prediction = 'epsilon' | 'v_prediction';

/** What the UNet is asked: its input (already scaled by c_in), its timestep and the sigma they stand for; it answers eps or v. */
export type ModelCall = (scaledInput: Float32Array, timestep: number, sigma: number) => Promise<Float32Array>;

/** x scaled by c_in = 1/sqrt(sigma^2+1), what the UNet sees. */
export function scaleInput(x: Float32Array, sigma: number): Float32Array {
  const cIn = 1 / Math.sqrt(sigma ** 2 + 1);
  const input = new Float32Array(x.length);
  // Stryker disable next-line EqualityOperator: a typed array ignores the write one past its end
  for (let k = 0; k < x.length; k++) input[k] = x[k]! * cIn;
  return input;
}

/** The x0 estimate from a model output: epsilon, D = x - sigma eps; v, D = x/(sigma^2+1) - v sigma/sqrt(sigma^2+1). */
export function denoisedFrom(x: Float32Array, sigma: number, out: Float32Array, prediction: Prediction): Float32Array {
  const denoised = new Float32Array(x.length);
  if (prediction === 'epsilon') {
    // Stryker disable next-line EqualityOperator: a typed array ignores the write one past its end
    for (let k = 0; k < x.length; k++) denoised[k] = x[k]! - sigma * out[k]!;
  } else {
    const cSkip = 1 / (sigma ** 2 + 1);
    const cOut = -sigma / Math.sqrt(sigma ** 2 + 1);
    // Stryker disable next-line EqualityOperator: a typed array ignores the write one past its end
    for (let k = 0; k < x.length; k++) denoised[k] = cSkip * x[k]! + cOut * out[k]!;
  }
  return denoised;
}

/**
 * Wraps a UNet as a denoiser D(x, sigma) (Karras et al. 2022, table 1, with
 * sigma_data = 1 as k-diffusion's CompVisDenoiser / CompVisVDenoiser).
 */
export function modelDenoiser(model: ModelCall, prediction: Prediction, timestepOf: (sigma: number) => number): Denoiser {
  return async (x, sigma) => denoisedFrom(x, sigma, await model(scaleInput(x, sigma), timestepOf(sigma), sigma), prediction);
}

import type { SamplerName } from '../../../app/contract/generation';
/**
 * Samplers over a denoiser D(x, sigma) in the manner of k-diffusion
 * (crowsonkb/k-diffusion, k_diffusion/sampling.py): x lives in the
 * variance-exploding space x = x0 + sigma * eps; every sampler takes the
 * denoiser, the start sample, the sigmas (n+1, descending) and options.
 * How the model was trained (epsilon, v) is the denoiser's business.
 */

/**
 * Denoised estimate of x0 from x at noise level sigma. The sigma alone says
 * where in the schedule the call is: a second-order sampler asks at sigmas
 * between the plan's, and the model's timestep follows from the sigma.
 */
export type Denoiser = (x: Float32Array, sigma: number) => Promise<Float32Array>;

/** Standard normal noise of a given length, from a seeded generator. */
export type NoiseSource = (length: number) => Float32Array;

export interface SamplerOptions {
  /** Needed by the samplers that inject noise (ancestral, LCM). */
  readonly noise?: NoiseSource;
  /** Called after each step with the step index and the current denoised estimate (for previews). */
  readonly onStep?: (step: number, denoised: Float32Array) => void | Promise<void>;
  /** Checked before each step: a cancelled run stops within one step. */
  readonly signal?: AbortSignal;
  /** The model timestep of a sigma (LCM's boundary condition needs it). */
  readonly timestepOf?: (sigma: number) => number;
}

export type Sampler = (denoise: Denoiser, x: Float32Array, sigmas: readonly number[], options?: SamplerOptions) => Promise<Float32Array>;

export type { SamplerName };

/** Runs the step loop shared by every sampler: cancellation, the denoiser call, progress. */
async function eachStep(
  denoise: Denoiser,
  x: Float32Array,
  sigmas: readonly number[],
  options: SamplerOptions,
  step: (x: Float32Array, denoised: Float32Array, i: number) => Float32Array,
): Promise<Float32Array> {
  let current = x;
  for (let i = 0; i < sigmas.length - 1; i++) {
    options.signal?.throwIfAborted();
    const denoised = await denoise(current, sigmas[i]!);
    current = step(current, denoised, i);
    await options.onStep?.(i, denoised);
  }
  return current;
}

function requireNoise(options: SamplerOptions, sampler: string): NoiseSource {
  if (!options.noise) throw new Error(`The ${sampler} sampler needs a noise source`);
  return options.noise;
}

/** Euler's method on the probability-flow ODE (Karras et al. 2022, Algorithm 2 without churn). */
export const sampleEuler: Sampler = (denoise, x, sigmas, options = {}) =>
  eachStep(denoise, x, sigmas, options, (x, denoised, i) => {
    const sigma = sigmas[i]!;
    const dt = sigmas[i + 1]! - sigma;
    const out = new Float32Array(x.length);
    // Stryker disable next-line EqualityOperator: a typed array ignores the write one past its end
    for (let k = 0; k < x.length; k++) out[k] = x[k]! + ((x[k]! - denoised[k]!) / sigma) * dt;
    return out;
  });

/**
 * DDIM with eta = 0 (Song et al. 2021). In the variance-exploding space the
 * deterministic DDIM update is exactly an Euler step (Karras et al. 2022,
 * section 3), so it shares Euler's code; what differs is the plan (DDIM's
 * timesteps) and where x enters and leaves (the pipeline scales it).
 */
export const sampleDdim: Sampler = sampleEuler;

/** Euler ancestral (k-diffusion `sample_euler_ancestral`, eta = 1): step to sigma_down, add noise of sigma_up. */
export const sampleEulerAncestral: Sampler = (denoise, x, sigmas, options = {}) => {
  const noise = requireNoise(options, 'Euler ancestral');
  return eachStep(denoise, x, sigmas, options, (x, denoised, i) => {
    const sigma = sigmas[i]!;
    const next = sigmas[i + 1]!;
    const up = Math.min(next, Math.sqrt(Math.max(0, (next ** 2 * (sigma ** 2 - next ** 2)) / sigma ** 2)));
    const down = Math.sqrt(Math.max(0, next ** 2 - up ** 2));
    const z = next > 0 ? noise(x.length) : null;
    const out = new Float32Array(x.length);
    // Stryker disable next-line EqualityOperator: a typed array ignores the write one past its end
    for (let k = 0; k < x.length; k++) out[k] = x[k]! + ((x[k]! - denoised[k]!) / sigma) * (down - sigma) + (z ? z[k]! * up : 0);
    return out;
  });
};

/**
 * DPM-Solver++(2M) (Lu et al. 2022, Algorithm 2; k-diffusion `sample_dpmpp_2m`):
 * a second-order multistep update in log-sigma time, first order on the first
 * step and on a step to sigma 0.
 */
export const sampleDpmpp2m: Sampler = (denoise, x, sigmas, options = {}) => {
  let previous: Float32Array | null = null;
  return eachStep(denoise, x, sigmas, options, (x, denoised, i) => {
    const sigma = sigmas[i]!;
    const next = sigmas[i + 1]!;
    const out = new Float32Array(x.length);
    if (next === 0) {
      out.set(denoised);
    } else {
      const h = Math.log(sigma) - Math.log(next);
      const ratio = next / sigma;
      const gain = -Math.expm1(-h);
      if (previous === null) {
        // Stryker disable next-line EqualityOperator: a typed array ignores the write one past its end
        for (let k = 0; k < x.length; k++) out[k] = ratio * x[k]! + gain * denoised[k]!;
      } else {
        const hLast = Math.log(sigmas[i - 1]!) - Math.log(sigma);
        const c = 1 / (2 * (hLast / h));
        // Stryker disable next-line EqualityOperator: a typed array ignores the write one past its end
        for (let k = 0; k < x.length; k++) out[k] = ratio * x[k]! + gain * ((1 + c) * denoised[k]! - c * previous[k]!);
      }
    }
    previous = denoised;
    return out;
  });
};

/**
 * Latent consistency models (Luo et al. 2023; diffusers LCMScheduler): each
 * step takes the consistency function's answer, c_skip(t) x + c_out(t) x0
 * (sigma_data 0.5, timestep scaling 10), and noises it to the next sigma.
 */
export const sampleLcm: Sampler = (denoise, x, sigmas, options = {}) => {
  const noise = requireNoise(options, 'LCM');
  const timestepOf = options.timestepOf;
  if (!timestepOf) throw new Error('The LCM sampler needs the model timestep of each sigma');
  return eachStep(denoise, x, sigmas, options, (x, denoised, i) => {
    const sigma = sigmas[i]!;
    const next = sigmas[i + 1]!;
    const scaled = timestepOf(sigma) * 10;
    const cSkip = 0.25 / (scaled ** 2 + 0.25);
    const cOut = scaled / Math.sqrt(scaled ** 2 + 0.25);
    // c_skip applies to the sample in diffusers' variance-preserving space.
    const toVp = 1 / Math.sqrt(sigma ** 2 + 1);
    const z = next > 0 ? noise(x.length) : null;
    const out = new Float32Array(x.length);
    // Stryker disable next-line EqualityOperator: a typed array ignores the write one past its end
    for (let k = 0; k < x.length; k++) out[k] = cOut * denoised[k]! + cSkip * x[k]! * toVp + (z ? next * z[k]! : 0);
    return out;
  });
};

export const SAMPLERS: Readonly<Record<SamplerName, Sampler>> = {
  euler: sampleEuler,
  euler_ancestral: sampleEulerAncestral,
  ddim: sampleDdim,
  dpmpp_2m: sampleDpmpp2m,
  lcm: sampleLcm,
};

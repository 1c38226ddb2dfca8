import type { SamplerName } from '../../../app/contract/generation';
import type { NoiseSchedule } from './noise-schedule';

/** How inference timesteps are picked from the training ones (diffusers' `timestep_spacing`). */
export type TimestepSpacing = 'leading' | 'trailing' | 'linspace';
/** How the sigmas between the extremes are laid out. */
export type SigmaSchedule = 'spaced' | 'karras';

/** diffusers' `set_timesteps` spacings, descending; `leading` adds `steps_offset` (SD ships 1). */
export function spacedTimesteps(steps: number, spacing: TimestepSpacing, numTrain: number, stepsOffset = 0): number[] {
  const descending = (at: (i: number) => number) => Array.from({ length: steps }, (_, i) => at(steps - 1 - i));
  if (spacing === 'trailing') return trailingTimesteps(steps, numTrain);
  if (spacing === 'leading') {
    const ratio = Math.floor(numTrain / steps);
    return descending((i) => i * ratio + stepsOffset);
  }
  // np.linspace(0, numTrain - 1, 1) is [0], a single step from almost no noise; one step starts from the most instead.
  return descending((i) => (steps === 1 ? numTrain - 1 : Math.fround(((numTrain - 1) * i) / (steps - 1))));
}

/**
 * `trailing` spacing, as diffusers' Euler and DPM-Solver schedulers both take it:
 * `np.arange(numTrain, 0, -numTrain / steps).round() - 1`. numpy fills an arange
 * as start + i * (the second value - start), which is what is rounded.
 */
function trailingTimesteps(steps: number, numTrain: number): number[] {
  const delta = numTrain - numTrain / steps - numTrain;
  return Array.from({ length: steps }, (_, i) => roundHalfEven(numTrain + i * delta) - 1);
}

/** numpy's round: halves go to the even neighbour (832.5 → 832), where Math.round would go up. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction !== 0.5) return Math.round(x);
  return floor % 2 === 0 ? floor : floor + 1;
}

/** DPMSolverMultistep's `set_timesteps` (diffusers v0.25): it spaces steps + 1 points and drops the last. */
export function dpmSolverTimesteps(steps: number, spacing: TimestepSpacing, numTrain: number, stepsOffset = 0): number[] {
  if (spacing === 'linspace') return Array.from({ length: steps }, (_, i) => roundHalfEven(((numTrain - 1) * (steps - i)) / steps));
  if (spacing === 'leading') {
    const ratio = Math.floor(numTrain / (steps + 1));
    return Array.from({ length: steps }, (_, i) => (steps - i) * ratio + stepsOffset);
  }
  return trailingTimesteps(steps, numTrain);
}

/** Karras et al. 2022, eq. 5 (rho = 7): n sigmas from max down to min, no trailing zero. */
export function karrasSigmas(n: number, sigmaMin: number, sigmaMax: number, rho = 7): number[] {
  const minInv = sigmaMin ** (1 / rho);
  const maxInv = sigmaMax ** (1 / rho);
  return Array.from({ length: n }, (_, i) => (maxInv + (n === 1 ? 0 : i / (n - 1)) * (minInv - maxInv)) ** rho);
}

export interface SamplingPlan {
  /** n+1 sigmas, the last being where sampling ends (0: fully denoised). */
  readonly sigmas: readonly number[];
  /** The model timestep at each of the first n sigmas. */
  readonly timesteps: readonly number[];
}

export interface PlanOptions {
  readonly steps: number;
  readonly spacing: TimestepSpacing;
  readonly schedule: SigmaSchedule;
  readonly stepsOffset?: number;
  /** DDIM's `set_alpha_to_one` from the model's scheduler config (SD ships false: the last step ends at alphas_cumprod[0]). */
  readonly setAlphaToOne?: boolean;
}

/**
 * The sigmas and timesteps of a run.
 * - `karras` lays n sigmas over the model's whole range and ends at 0, for
 *   every sampler, as k-diffusion and A1111's "Karras" samplers do.
 * - `spaced` does what the sampler's own diffusers scheduler (v0.25) does
 *   with the model's scheduler config, so a run matches diffusers' pipeline:
 *   Euler and Euler a take the config's spacing and end at 0; DDIM ends at
 *   alphas_cumprod[0] unless `set_alpha_to_one`; DPM-Solver++ spaces steps + 1
 *   points and ends at sigma_0.
 * A plan that ends above 0 leaves a (slightly) noisy latent, as diffusers does.
 */
export function planSampling(noise: NoiseSchedule, sampler: Exclude<SamplerName, 'lcm'>, options: PlanOptions): SamplingPlan {
  const numTrain = noise.sigmas.length;
  if (options.schedule === 'karras') {
    const sigmas = karrasSigmas(options.steps, noise.sigmaMin, noise.sigmaMax);
    return { sigmas: [...sigmas, 0], timesteps: sigmas.map((s) => noise.timestepOf(s)) };
  }
  const offset = options.stepsOffset ?? 0;
  if (sampler === 'dpmpp_2m') {
    const timesteps = dpmSolverTimesteps(options.steps, options.spacing, numTrain, offset);
    return { sigmas: [...timesteps.map((t) => noise.sigmaAt(t)), noise.sigmaMin], timesteps };
  }
  const timesteps = spacedTimesteps(options.steps, options.spacing, numTrain, offset);
  const end = sampler === 'ddim' && options.setAlphaToOne === false ? noise.sigmaMin : 0;
  return { sigmas: [...timesteps.map((t) => noise.sigmaAt(t)), end], timesteps };
}

/**
 * LCM's timesteps (Luo et al. 2023; diffusers LCMScheduler): evenly spaced
 * picks among the `originalSteps` timesteps the model was distilled on.
 */
export function lcmTimesteps(steps: number, numTrain: number, originalSteps = 50): number[] {
  const stride = Math.floor(numTrain / originalSteps);
  const origin = Array.from({ length: originalSteps }, (_, i) => (originalSteps - i) * stride - 1);
  return Array.from({ length: steps }, (_, i) => origin[Math.floor((i * originalSteps) / steps)]!);
}

/** diffusers' init_noise_sigma: the scale of the starting noise. */
export function initialNoiseScale(sigmaMax: number, spacing: TimestepSpacing): number {
  return spacing === 'leading' ? Math.sqrt(sigmaMax ** 2 + 1) : sigmaMax;
}

/**
 * The model timestep of a sigma in a run: a sigma of the plan takes the
 * plan's own timestep (diffusers' discrete one, exactly), any other (a
 * second-order sampler's midpoint, another expert's schedule) the timestep
 * the noise schedule gives it.
 */
export function planTimesteps(plan: SamplingPlan, noise: Pick<NoiseSchedule, 'timestepOf'>): (sigma: number) => number {
  const ofSigma = new Map(plan.timesteps.map((t, i) => [plan.sigmas[i]!, t]));
  return (sigma) => ofSigma.get(sigma) ?? noise.timestepOf(sigma);
}

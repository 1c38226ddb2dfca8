import type { NoiseSchedule } from './noise-schedule';

/** How inference timesteps are picked from the training ones (diffusers' `timestep_spacing`). */
export type TimestepSpacing = 'leading' | 'trailing' | 'linspace';
/** How the sigmas between the extremes are laid out. */
export type SigmaSchedule = 'spaced' | 'karras';

/** diffusers' `set_timesteps` spacings, descending; `leading` adds `steps_offset` (SD ships 1). */
export function spacedTimesteps(steps: number, spacing: TimestepSpacing, numTrain: number, stepsOffset = 0): number[] {
  const out: number[] = [];
  if (spacing === 'linspace') {
    for (let i = 0; i < steps; i++) out.push(steps === 1 ? numTrain - 1 : Math.fround(((numTrain - 1) * i) / (steps - 1)));
  } else if (spacing === 'leading') {
    const ratio = Math.floor(numTrain / steps);
    for (let i = 0; i < steps; i++) out.push(i * ratio + stepsOffset);
  } else {
    const ratio = numTrain / steps;
    for (let t = numTrain; t > 0 && out.length < steps; t -= ratio) out.push(Math.round(t) - 1);
    out.reverse();
  }
  return out.reverse();
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
}

/**
 * Sigmas for a run. `spaced` takes the sigmas of the spaced timesteps;
 * `karras` lays n sigmas over the model's whole range, as k-diffusion and
 * A1111 do. Both end at 0.
 */
export function planSigmas(noise: NoiseSchedule, options: PlanOptions): SamplingPlan {
  const numTrain = noise.sigmas.length;
  if (options.schedule === 'karras') {
    const sigmas = karrasSigmas(options.steps, noise.sigmaMin, noise.sigmaMax);
    return { sigmas: [...sigmas, 0], timesteps: sigmas.map((s) => noise.timestepOf(s)) };
  }
  const timesteps = spacedTimesteps(options.steps, options.spacing, numTrain, options.stepsOffset ?? 0);
  return { sigmas: [...timesteps.map((t) => noise.sigmaAt(t)), 0], timesteps };
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

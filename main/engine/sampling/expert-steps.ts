import type { SwitchPoint } from '../../../app/contract/generation';
import { roundHalfEven, type SamplingPlan } from './schedules';

/**
 * The step at which each expert of an ensemble takes over, by the rule
 * diffusers' SDXL pipelines use for `denoising_end` (the base) and
 * `denoising_start` (the refiner): a fraction f cuts the schedule at the
 * discrete timestep round(T − f·T), T the training timesteps; the steps whose
 * timestep is at or above the cut stay with the expert before, the rest go
 * to the next (StableDiffusionXLPipeline.__call__ and
 * StableDiffusionXLImg2ImgPipeline.get_timesteps, v0.25). A noise level cuts
 * where a step's sigma falls below it. diffusers gives a second-order
 * scheduler's refiner one step more when its count is even; none of the
 * samplers here is second order in diffusers' sense (DPM-Solver++ 2M is
 * multistep: order 1), so that adjustment never applies.
 *
 * Answers one index per expert into the plan's steps (0..n; n when the
 * expert gets no step), never decreasing.
 */
export function expertFirstSteps(plan: SamplingPlan, switches: readonly SwitchPoint[], trainTimesteps: number): number[] {
  const steps = plan.timesteps.length;
  let previous = 0;
  return switches.map((point) => {
    const stays =
      'fraction' in point
        ? countWhile(steps, (i) => plan.timesteps[i]! >= roundHalfEven(trainTimesteps - point.fraction * trainTimesteps))
        : countWhile(steps, (i) => plan.sigmas[i]! >= point.sigma);
    previous = Math.max(previous, stays);
    return previous;
  });
}

/** How many of the first `n` indices satisfy `holds` before the first that does not (the plan descends, so this is the count). */
function countWhile(n: number, holds: (i: number) => boolean): number {
  let i = 0;
  while (i < n && holds(i)) i++;
  return i;
}

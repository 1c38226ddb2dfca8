import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { modelDenoiser, type Prediction } from '../../main/engine/sampling/denoiser';
import { NoiseSchedule, SD_NOISE_SCHEDULE } from '../../main/engine/sampling/noise-schedule';
import { SAMPLERS, type Denoiser, type SamplerName } from '../../main/engine/sampling/samplers';
import { dpmSolverTimesteps, initialNoiseScale, karrasSigmas, lcmTimesteps, planSampling, planTimesteps, spacedTimesteps, type TimestepSpacing } from '../../main/engine/sampling/schedules';
import { TorchGenerator } from '../../main/engine/sampling/torch-randn';
import { repoRoot } from '../helpers/paths';

const fixtures = join(repoRoot, 'test', 'fixtures');
/** Computed by diffusers v0.25's own schedulers (see its "about"); float32 values. */
const reference = JSON.parse(readFileSync(join(fixtures, 'scheduler-reference.json'), 'utf8')) as {
  initial_noise: number[];
  unet_direction: number[];
  cases: {
    sampler: SamplerName;
    options: { timestep_spacing: TimestepSpacing; steps_offset: number; use_karras_sigmas?: boolean; prediction_type?: Prediction; set_alpha_to_one?: boolean };
    steps: number;
    timesteps: number[];
    init_noise_sigma: number;
    sigmas?: number[];
    final_sample?: number[];
  }[];
};
const noise = new NoiseSchedule(SD_NOISE_SCHEDULE);

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const scale = Math.max(1, Math.abs(expected[i]!));
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tolerance * scale, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

describe('SD noise schedule', () => {
  test('has the reference extremes (sigma_0 ≈ 0.0292, sigma_999 ≈ 14.6146)', () => {
    assert.ok(Math.abs(noise.sigmaMin - 0.0292) < 5e-5);
    assert.ok(Math.abs(noise.sigmaMax - 14.614645) < 5e-6);
  });

  test('clamps to the table: sigmaAt past either end is its last or first sigma; timestepOf past either end its last or first timestep', () => {
    assert.equal(noise.sigmaAt(5000), noise.sigmaMax);
    assert.equal(noise.sigmaAt(999.5), noise.sigmaMax);
    assert.equal(noise.sigmaAt(-3), noise.sigmaMin);
    assert.equal(noise.timestepOf(100), 999);
    assert.equal(noise.timestepOf(1e-4), 0);
    assert.equal(noise.timestepOf(0), 0);
  });

  test('timestepOf inverts sigmaAt at the training timesteps', () => {
    for (const t of [0, 1, 13, 500, 998, 999]) assert.ok(Math.abs(noise.timestepOf(noise.sigmaAt(t)) - t) < 1e-3, String(t));
  });
});

/** diffusers' training sigmas, float32, from torch (test/fixtures/scripts/make_noise_schedule_reference.py). */
const scheduleReference = JSON.parse(readFileSync(join(fixtures, 'noise-schedule-reference.json'), 'utf8')) as {
  cases: { num_train_timesteps: number; beta_start: number; beta_end: number; beta_schedule: 'scaled_linear' | 'linear'; sigmas: number[] }[];
};

/**
 * Within 3e-7 of torch's: its vectorised linspace rounds by the CPU's vector width (AVX2 or AVX-512),
 * which moves SD's sigmas by up to 2.5e-7 from one machine to another.
 */
describe("training sigmas equal diffusers' within float32 rounding", () => {
  for (const c of scheduleReference.cases) {
    test(`${c.beta_schedule} from ${c.beta_start} to ${c.beta_end} over ${c.num_train_timesteps}`, () => {
      const schedule = new NoiseSchedule({ numTrainTimesteps: c.num_train_timesteps, betaStart: c.beta_start, betaEnd: c.beta_end, betaSchedule: c.beta_schedule });
      assertClose(schedule.sigmas, c.sigmas, 3e-7, 'sigmas');
    });
  }
});

/**
 * What each reference case's diffusers scheduler runs on, in our terms: the
 * engine's own default plan (`spaced`, following the scheduler config), and
 * for diffusers' `use_karras_sigmas` cases, which the engine does not offer
 * (its Karras is A1111's, over the whole sigma range), their rules here.
 */
function planOf(c: (typeof reference.cases)[number]): { sigmas: readonly number[]; timesteps: readonly number[] } {
  const { timestep_spacing: spacing, steps_offset: offset, use_karras_sigmas: karras } = c.options;
  if (c.sampler === 'lcm') {
    const timesteps = lcmTimesteps(c.steps, 1000, 50);
    return { timesteps, sigmas: [...timesteps.map((t) => noise.sigmaAt(t)), 0] };
  }
  if (karras && c.sampler === 'dpmpp_2m') {
    // DPMSolverMultistep (v0.25) rounds Karras timesteps and ends at the last sigma again.
    const sigmas = planSampling(noise, 'dpmpp_2m', { steps: c.steps, spacing, schedule: 'karras' }).sigmas.slice(0, -1);
    return { sigmas: [...sigmas, sigmas.at(-1)!], timesteps: sigmas.map((s) => Math.round(noise.timestepOf(s))) };
  }
  if (karras) {
    // EulerDiscrete's Karras sigmas span the spaced sigmas' own range.
    const spaced = spacedTimesteps(c.steps, spacing, 1000, offset).map((t) => noise.sigmaAt(t));
    const sigmas = karrasSigmas(c.steps, spaced.at(-1)!, spaced[0]!);
    return { sigmas: [...sigmas, 0], timesteps: sigmas.map((s) => noise.timestepOf(s)) };
  }
  return planSampling(noise, c.sampler, { steps: c.steps, spacing, schedule: 'spaced', stepsOffset: offset, setAlphaToOne: c.options.set_alpha_to_one ?? true });
}

const describeCase = (c: (typeof reference.cases)[number]) => `${c.sampler} ${JSON.stringify(c.options)} ${c.steps} steps`;

describe('schedules against diffusers', () => {
  for (const c of reference.cases) {
    test(`timesteps and sigmas of ${describeCase(c)}`, () => {
      const plan = planOf(c);
      assertClose(plan.timesteps, c.timesteps, 2e-5, 'timesteps');
      if (c.sigmas) assertClose(plan.sigmas, c.sigmas, 1e-6, 'sigmas');
      if (c.sampler === 'euler' || c.sampler === 'euler_ancestral') {
        assert.ok(Math.abs(initialNoiseScale(plan.sigmas[0]!, c.options.timestep_spacing) - c.init_noise_sigma) < 1e-5);
      }
    });
  }
});

test("timesteps round halves to even as numpy does (DPM-Solver's linspace at 6 steps)", () => {
  assert.deepEqual(dpmSolverTimesteps(6, 'linspace', 1000), [999, 832, 666, 500, 333, 166]);
  assert.deepEqual(spacedTimesteps(16, 'trailing', 1000).slice(0, 4), [999, 937, 874, 811]);
});

test("trailing spacing is numpy's arange(1000, 0, -1000/steps).round() - 1, for Euler and DPM-Solver alike (ids made by numpy)", () => {
  const numpy = {
    7: [999, 856, 713, 570, 428, 285, 142],
    48: [999, 978, 957, 936, 916, 895, 874, 853, 832, 811, 791, 770, 749, 728, 707, 686, 666, 645, 624, 603, 582, 561, 541, 520, 499, 478, 457, 436, 416, 395, 374, 353, 332, 311, 291, 270, 249, 228, 207, 186, 166, 145, 124, 103, 82, 61, 41, 20],
  };
  for (const [steps, expected] of Object.entries(numpy)) {
    assert.deepEqual(spacedTimesteps(Number(steps), 'trailing', 1000), expected, `Euler, ${steps} steps`);
    assert.deepEqual(dpmSolverTimesteps(Number(steps), 'trailing', 1000), expected, `DPM-Solver, ${steps} steps`);
  }
});

test("one step: trailing and linspace take the last timestep, leading its steps_offset as diffusers does; Karras' one sigma is the largest", () => {
  assert.deepEqual(spacedTimesteps(1, 'trailing', 1000), [999]);
  assert.deepEqual(spacedTimesteps(1, 'linspace', 1000), [999]);
  assert.deepEqual(spacedTimesteps(1, 'leading', 1000, 1), [1]);
  const [only] = karrasSigmas(1, 0.03, 14.6);
  assert.ok(Math.abs(only! - 14.6) < 1e-12, `${only}`);
});

test('a Karras plan asks the model at the timestep of each of its sigmas: the last training timestep first, falling to the first', () => {
  const plan = planSampling(noise, 'euler', { steps: 6, spacing: 'leading', schedule: 'karras' });
  assert.equal(plan.timesteps.length, 6);
  assert.ok(Math.abs(plan.timesteps[0]! - 999) < 1e-6 && Math.abs(plan.timesteps[5]!) < 1e-6, `${plan.timesteps}`);
  plan.timesteps.forEach((t, i) => assert.ok(Math.abs(noise.sigmaAt(t) - plan.sigmas[i]!) < 1e-3 * plan.sigmas[i]!, `step ${i}`));
});

test("DDIM ends at alphas_cumprod[0]'s sigma when the config says set_alpha_to_one: false, at 0 otherwise; other samplers end at 0 either way", () => {
  const end = (sampler: 'ddim' | 'euler', setAlphaToOne: boolean | undefined) => planSampling(noise, sampler, { steps: 4, spacing: 'leading', schedule: 'spaced', stepsOffset: 1, ...(setAlphaToOne === undefined ? {} : { setAlphaToOne }) }).sigmas.at(-1);
  assert.equal(end('ddim', false), noise.sigmaMin);
  assert.equal(end('ddim', true), 0);
  assert.equal(end('ddim', undefined), 0);
  assert.equal(end('euler', false), 0);
});

test("the model's timestep follows the sigma it is asked at: the plan's own at a plan sigma, the schedule's at any other (a second-order sampler's midpoint)", () => {
  const plan = planSampling(noise, 'euler', { steps: 10, spacing: 'leading', schedule: 'spaced', stepsOffset: 1 });
  const timestepOf = planTimesteps(plan, noise);
  assert.deepEqual(plan.timesteps.map((_, i) => timestepOf(plan.sigmas[i]!)), [901, 801, 701, 601, 501, 401, 301, 201, 101, 1]);
  // Fractional timesteps (linspace spacing) are the plan's own too, not the schedule's log-sigma inverse of their sigma.
  const linspace = planSampling(noise, 'euler', { steps: 7, spacing: 'linspace', schedule: 'spaced' });
  assert.deepEqual(linspace.timesteps.map((_, i) => planTimesteps(linspace, noise)(linspace.sigmas[i]!)), [999, 832.5, 666, 499.5, 333, 166.5, 0]);
  const midpoint = Math.sqrt(plan.sigmas[2]! * plan.sigmas[3]!);
  const between = timestepOf(midpoint);
  assert.ok(between < 701 && between > 601, `${between}`);
  assert.equal(between, noise.timestepOf(midpoint));
});

describe('deterministic samplers against diffusers trajectories', () => {
  // The reference's fake UNet: model_output = 0.3 * u + 0.0005 * t * unet_direction, u the scheduler's scaled input.
  const direction = Float32Array.from(reference.unet_direction);
  for (const c of reference.cases.filter((c) => c.final_sample)) {
    test(describeCase(c), async () => {
      const { sigmas, timesteps } = planOf(c);
      const fakeUnet = async (u: Float32Array, t: number) => u.map((v, k) => 0.3 * v + 0.0005 * t * direction[k]!);
      const denoise = modelDenoiser(fakeUnet, c.options.prediction_type ?? 'epsilon', (sigma) => timesteps[sigmas.indexOf(sigma)]!);
      // Euler-family schedulers work in the variance-exploding space; DDIM and DPM-Solver in the variance-preserving one.
      const preserving = c.sampler === 'ddim' || c.sampler === 'dpmpp_2m';
      const toVe = preserving ? Math.sqrt(1 + sigmas[0]! ** 2) : c.init_noise_sigma;
      const start = Float32Array.from(reference.initial_noise, (v) => v * toVe);
      const end = await SAMPLERS[c.sampler](denoise, start, sigmas);
      const fromVe = preserving ? 1 / Math.sqrt(1 + sigmas.at(-1)! ** 2) : 1;
      assertClose(end.map((v) => v * fromVe), c.final_sample!, 2e-4, 'final sample');
    });
  }
});

describe('samplers on Gaussian data, where the exact denoiser is known', () => {
  // Data x0 ~ N(0, s^2): the ideal denoiser is D(x, sigma) = x s^2 / (s^2 + sigma^2), and the
  // probability-flow ODE carries x at sigma_max to x * s / sqrt(s^2 + sigma_max^2) at sigma 0.
  const s = 0.7;
  const exact: Denoiser = async (x, sigma) => x.map((v) => (v * s * s) / (s * s + sigma * sigma));
  const start = new TorchGenerator(3).randn(4096).map((v) => v * Math.sqrt(s * s + noise.sigmaMax ** 2));
  const odeEnd = start.map((v) => (v * s) / Math.sqrt(s * s + noise.sigmaMax ** 2));
  const relativeError = (x: Float32Array) => Math.max(...x.map((v, k) => Math.abs(v - odeEnd[k]!))) / Math.max(...odeEnd.map(Math.abs));
  const karras = (steps: number) => planSampling(noise, 'euler', { steps, spacing: 'leading', schedule: 'karras' }).sigmas;

  test('Euler converges to the ODE solution at first order: twice the steps, half the error', async () => {
    const e20 = relativeError(await SAMPLERS.euler(exact, start, karras(20)));
    const e40 = relativeError(await SAMPLERS.euler(exact, start, karras(40)));
    assert.ok(e20 < 0.1, `20 steps: ${e20}`);
    assert.ok(e40 / e20 > 0.4 && e40 / e20 < 0.6, `ratio ${e40 / e20}`);
  });

  test('DPM++ 2M converges at least at second order and beats Euler', async () => {
    const e20 = relativeError(await SAMPLERS.dpmpp_2m(exact, start, karras(20)));
    const e40 = relativeError(await SAMPLERS.dpmpp_2m(exact, start, karras(40)));
    const euler = relativeError(await SAMPLERS.euler(exact, start, karras(20)));
    assert.ok(e40 < e20 / 4, `40 steps ${e40} vs 20 steps ${e20}`);
    assert.ok(e20 < euler / 5, `dpm++ ${e20} vs euler ${euler}`);
  });

  test('Euler ancestral draws samples whose variance approaches the data variance', async () => {
    const variance = async (steps: number) => {
      const generator = new TorchGenerator(11);
      const x = generator.randn(20000).map((v) => v * Math.sqrt(s * s + noise.sigmaMax ** 2));
      const end = await SAMPLERS.euler_ancestral(exact, x, karras(steps), { noise: (n) => generator.randn(n) });
      return end.reduce((acc, v) => acc + v * v, 0) / end.length;
    };
    const v60 = await variance(60);
    const v200 = await variance(200);
    assert.ok(Math.abs(v200 - s * s) < 0.04 * s * s, `variance ${v200} vs ${s * s}`);
    assert.ok(Math.abs(v200 - s * s) < Math.abs(v60 - s * s) / 2.5, `${v60} → ${v200}`);
  });

  test('LCM applies the consistency boundary condition, then noises to the next sigma', async () => {
    const sigmas = [noise.sigmaAt(999), noise.sigmaAt(499), 0];
    const z = new TorchGenerator(5).randn(start.length);
    const end = await SAMPLERS.lcm(exact, start, sigmas, { noise: () => z, timestepOf: (sigma) => noise.timestepOf(sigma) });
    // Written out independently: c_skip/c_out at t (sigma_data 0.5, scaling 10), x in VP space for c_skip.
    const consistency = (x: Float32Array, sigma: number) => {
      const t = noise.timestepOf(sigma) * 10;
      const cSkip = 0.25 / (t * t + 0.25);
      const cOut = t / Math.sqrt(t * t + 0.25);
      return x.map((v) => cOut * ((v * s * s) / (s * s + sigma * sigma)) + (cSkip * v) / Math.sqrt(sigma * sigma + 1));
    };
    const afterFirst = consistency(start, sigmas[0]!).map((v, k) => v + sigmas[1]! * z[k]!);
    assertClose(end, consistency(afterFirst, sigmas[1]!), 1e-5, 'LCM');
  });

  // One step at a time by hand, with a denoiser D(x) = x / 2 and fixed noise z = [1, 0.5], so every term shows.
  const halve: Denoiser = async (x) => x.map((v) => v / 2);
  const fixedNoise = () => new Float32Array([1, 0.5]);
  const x0 = new Float32Array([1, -2]);

  test('Euler ancestral by hand: to sigma_down = 0.5, noise of sigma_up = sqrt(0.75) from sigma 2 to 1; the last step to 0 adds none', async () => {
    // d = (x - D) / 2 = x / 4; x + d (0.5 - 2) + sqrt(0.75) z = 0.625 x + 0.8660254 z; then x + (x - x / 2)(0 - 1) = x / 2.
    let reported = 0;
    let draws = 0;
    // No noise is drawn for the step to 0 (k-diffusion draws only when sigma_next > 0): a draw there would shift the next image's noise.
    const end = await SAMPLERS.euler_ancestral(halve, x0, [2, 1, 0], { noise: () => (draws++, fixedNoise()), onStep: () => void reported++ });
    assert.equal(draws, 1);
    assertClose(await SAMPLERS.euler_ancestral(halve, x0, [2, 1], { noise: fixedNoise }), new Float32Array([1.4910254, -0.8169873]), 1e-6, 'first step');
    assertClose(end, new Float32Array([0.7455127, -0.4084937]), 1e-6, 'to sigma 0');
    assert.equal(reported, 2);
  });

  test('LCM by hand at small timesteps, where c_skip weighs: t = sigma / 20, scaled by 10', async () => {
    // sigma 1: t' = 0.5, c_skip 0.5, c_out 0.7071068, VP scale 0.7071068: 0.7071068 x + 0.5 z.
    // sigma 0.5: t' = 0.25, c_skip 0.8, c_out 0.4472136, VP scale 0.8944272: (0.2236068 + 0.7155418) x = 0.9391486 x, no noise to sigma 0.
    const options = { noise: fixedNoise, timestepOf: (sigma: number) => sigma / 20 };
    assertClose(await SAMPLERS.lcm(halve, x0, [1, 0.5], options), new Float32Array([1.2071068, -1.1642136]), 1e-6, 'first step');
    let draws = 0;
    assertClose(await SAMPLERS.lcm(halve, x0, [1, 0.5, 0], { ...options, noise: () => (draws++, fixedNoise()) }), new Float32Array([1.1336526, -1.0933695]), 1e-6, 'to sigma 0');
    assert.equal(draws, 1, 'no noise drawn for the last step, as diffusers');
  });

  test('samplers that add noise refuse to run without a noise source; LCM without timesteps', async () => {
    await assert.rejects(async () => SAMPLERS.euler_ancestral(halve, x0, [2, 1]), /Euler ancestral sampler needs a noise source/);
    await assert.rejects(async () => SAMPLERS.lcm(halve, x0, [2, 1], { timestepOf: (s) => s }), /LCM sampler needs a noise source/);
    await assert.rejects(async () => SAMPLERS.lcm(halve, x0, [2, 1], { noise: fixedNoise }), /needs the model timestep of each sigma/);
  });

  test('a cancelled run stops before its next step', async () => {
    const controller = new AbortController();
    let calls = 0;
    const counting: Denoiser = async (x, sigma) => {
      calls++;
      if (calls === 3) controller.abort();
      return exact(x, sigma);
    };
    await assert.rejects(SAMPLERS.euler(counting, start, karras(10), { signal: controller.signal }), { name: 'AbortError' });
    assert.equal(calls, 3);
  });
});

describe('seeded noise', () => {
  const torchReference = JSON.parse(readFileSync(join(fixtures, 'torch-randn.json'), 'utf8')) as {
    cases: { seed: number; size: number; values: number[] }[];
    streams: { seed: number; draws: number[][] }[];
  };
  // torch's AVX2 path uses approximate float log/sin/cos, so the last bits can differ: 2e-6 is the bound.
  for (const { seed, size, values } of torchReference.cases) {
    test(`matches torch.randn(${size}) for seed ${seed}`, () => assertClose(new TorchGenerator(seed).randn(size), values, 2e-6, 'randn'));
  }
  for (const { seed, draws } of torchReference.streams) {
    test(`continues the stream as torch does across draws of ${draws.map((d) => d.length).join(', ')} (seed ${seed})`, () => {
      const generator = new TorchGenerator(seed);
      draws.forEach((values, i) => assertClose(generator.randn(values.length), values, 2e-6, `draw ${i + 1}`));
    });
  }
});

import type { ExpertReport, ParsedGenerationRequest, RunReport, RunTimings, SamplerName, SigmaScheduleName } from '../../../app/contract/generation';
import type { LoadedModel } from '../model/loaded-model';
import { ModelError } from '../model/model-error';
import { planConditioning } from '../conditioning/plan';
import { spatialDenoiser, type AttentionObserver } from '../conditioning/spatial-denoiser';
import { expertFirstSteps } from '../sampling/expert-steps';
import { checkSharedLatentSpace, latentSpaceOf, type RunModels } from './ensemble';
import { checkModelFits } from './memory-estimate';
import { SAMPLERS, type Denoiser } from '../sampling/samplers';
import { initialNoiseScale, lcmTimesteps, planSampling, planTimesteps, type SamplingPlan } from '../sampling/schedules';
import { TorchGenerator } from '../sampling/torch-randn';
import { encodePrompts } from './text-conditioning';
import { decodeLatents, encodeImage, type RgbImage } from './vae';

export interface ResolvedSettings {
  readonly steps: number;
  readonly sampler: SamplerName;
  readonly schedule: SigmaScheduleName;
  readonly cfgScale: number;
  readonly width: number;
  readonly height: number;
}

export interface StepProgress {
  readonly image: number;
  readonly images: number;
  readonly step: number;
  readonly steps: number;
  /** The current x0 estimate, [4, h, w] latents. */
  readonly denoised: Float32Array;
  readonly latentWidth: number;
  readonly latentHeight: number;
}

export interface GenerateHooks {
  readonly signal?: AbortSignal;
  readonly onStep?: (progress: StepProgress) => void | Promise<void>;
  /** Cross-attention maps of every UNet run (measuring only; see spatial-denoiser). */
  readonly onAttention?: AttentionObserver;
  /** Called with each finished image and what the run did so far, before the next image starts. */
  readonly onImage?: (image: RgbImage, seed: number, report: GenerateReport) => void | Promise<void>;
}

/** What `generate` did: the run's report less the model load, which happens before it. */
export type GenerateReport = Omit<RunReport, 'timings'> & { readonly timings: Omit<RunTimings, 'loadMs'> };

export interface RunContext {
  /** Where the attention-biased UNet graphs are cached. */
  readonly cacheDir: string;
}

export interface StartImages {
  /** The init image at the requested size. */
  readonly init?: RgbImage;
  /** Inpainting mask at latent resolution: 1 repaints, 0 keeps. */
  readonly mask?: Float32Array;
}

/** The settings a request leaves open, filled from the model family's defaults. */
export function resolveSettings(model: LoadedModel, request: Partial<Pick<ParsedGenerationRequest, 'steps' | 'sampler' | 'schedule' | 'cfgScale' | 'width' | 'height'>>): ResolvedSettings {
  const d = model.family.defaults;
  const sampler = request.sampler ?? d.sampler;
  // The size the model was trained at, where its export says (diffusers' unet/config.json sample_size), else the family's.
  const size = model.folder.sampleSize ? model.folder.sampleSize * model.folder.latent.factor : d.size;
  return {
    steps: request.steps ?? d.steps,
    sampler,
    schedule: sampler === 'lcm' ? 'spaced' : (request.schedule ?? d.schedule),
    cfgScale: request.cfgScale ?? d.cfgScale,
    width: request.width ?? size,
    height: request.height ?? size,
  };
}

/**
 * One generation: text encoding, sampling from seeded noise (or from an init
 * image, with the masked latent blend when inpainting), VAE decoding. Each
 * image of a batch uses seed + index, as A1111 does.
 *
 * With experts (an ensemble of expert denoisers), the steps are split where
 * each takes over (expert-steps.ts) and each segment runs the sampler afresh
 * on the same latent, as diffusers' base pipeline with `denoising_end`
 * handing its latents to the refiner with `denoising_start` does: a
 * multistep sampler starts its history again at the switch. Each expert
 * encodes the prompt with its own encoders and applies the spatial
 * conditioning its UNet allows; the last one to take steps decodes.
 */
export async function generate(models: RunModels, request: ParsedGenerationRequest, start: StartImages, context: RunContext, hooks: GenerateHooks = {}): Promise<{ settings: ResolvedSettings; report: GenerateReport }> {
  const started = performance.now();
  const first = (await models.get(0)).model;
  const settings = resolveSettings(first, request);
  const { steps, sampler, schedule, cfgScale, width, height } = settings;
  const { factor, channels } = first.folder.latent;
  if (width % factor !== 0 || height % factor !== 0) throw new ModelError('size-not-supported', `${first.folder.name} works in multiples of ${factor} pixels; ${width}x${height} is not one`);
  const latentHeight = height / factor;
  const latentWidth = width / factor;
  // Said once each, however many parts or experts found it; the report shares the list as it grows.
  const warnings: string[] = [];
  const say = (...more: readonly string[]) => more.forEach((w) => warnings.includes(w) || warnings.push(w));

  const conditioning = request.conditioning ? await planConditioning(request.conditioning, request.prompt, request.seed, latentWidth, latentHeight) : null;
  const prompt = conditioning?.prompt ?? request.prompt;
  say(...(conditioning?.warnings ?? []));

  const plan = samplingPlan(first, sampler, schedule, steps);
  const runStart = request.init ? steps - Math.max(1, Math.min(steps, Math.floor(steps * request.init.strength))) : 0;
  // Stage s (0: the run's own model, then each expert) takes the plan's steps [bounds[s], bounds[s + 1]).
  const bounds = [runStart, ...expertFirstSteps(plan, models.experts.map((e) => e.switchAt), first.noise.sigmas.length).map((s) => Math.max(s, runStart)), steps];
  const expertReports: ExpertReport[] | undefined =
    models.experts.length === 0
      ? undefined
      : [null, ...models.experts].map((expert, stage) => ({ model: expert?.name ?? first.folder.name, family: null, switchAt: expert?.switchAt ?? null, steps: [bounds[stage]! - runStart, bounds[stage + 1]! - runStart], loadMs: 0, stepMs: [] }));
  models.experts.forEach((expert, i) => bounds[i + 2] === bounds[i + 1] && say(`${expert.name} took no steps: its switch falls after the run's last step or before the next expert's`));
  const initLatents = start.init ? await encodeImage(first, start.init) : null;

  /** A stage's model, checked against the run, with its prompts encoded and its denoiser made; once per run. */
  const stages: Stage[] = [];
  const ready = async (stage: number): Promise<Stage> => {
    const made = stages[stage];
    if (made) return made;
    const { model, loadMs } = await models.get(stage);
    if (stage > 0) checkSharedLatentSpace(latentSpaceOf(first), latentSpaceOf(model));
    checkModelFits(model, { width, height }, cfgScale);
    const said: string[] = [];
    if (!model.family.guidance && request.cfgScale !== undefined && request.cfgScale > 1) said.push(`${model.family.label} models are guidance-distilled: CFG ${request.cfgScale} was not applied`);
    const prompts = await encodePrompts(model, prompt, request.negativePrompt, model.family.guidance && cfgScale > 1);
    // The plan's sigmas take its discrete timesteps; a model on another noise schedule gets its own timestep for each sigma.
    const timestepOf = sameNoise(model, first) ? planTimesteps(plan, model.noise) : (sigma: number) => model.noise.timestepOf(sigma);
    const spatial = await spatialDenoiser({
      model,
      prompts,
      plan: conditioning,
      mode: request.conditioning?.regionalMode ?? 'auto',
      pwwStrength: request.conditioning?.paintWithWordsStrength ?? 0,
      guidanceScale: cfgScale,
      size: { width, height },
      ...(request.aesthetic ? { aesthetic: request.aesthetic } : {}),
      latent: [channels, latentHeight, latentWidth],
      timestepOf,
      cacheDir: context.cacheDir,
      ...(hooks.onAttention ? { onAttention: hooks.onAttention } : {}),
    });
    said.push(...prompts.warnings, ...spatial.warnings);
    const expert = models.experts[stage - 1];
    if (expert && conditioning && spatial.method !== stages[0]!.spatial.method) said.push(`applied the regions by ${spatial.method} (${spatial.reason})`);
    say(...(expert ? said.map((w) => `${expert.name}: ${w}`) : said));
    if (expertReports) Object.assign(expertReports[stage]!, { family: model.family.id, loadMs });
    const denoise = initLatents && start.mask ? blendedDenoiser(spatial.denoise, initLatents, start.mask) : spatial.denoise;
    return (stages[stage] = { model, denoise, spatial });
  };

  const own = await ready(0);
  // Held together, every expert is ready before the first image; one at a time, each when its turn comes.
  if (models.together) for (let stage = 1; stage <= models.experts.length; stage++) await ready(stage);
  const timings = { encodeMs: performance.now() - started, stepMs: [] as number[], decodeMs: [] as number[] };
  const report: GenerateReport = {
    prompt,
    warnings,
    spatialControl: own.spatial.method,
    spatialReason: own.spatial.reason,
    layout: [...(conditioning?.layout ?? [])],
    timings,
    ...(expertReports ? { experts: expertReports } : {}),
  };

  const count = request.batchCount;
  const images = Array.from({ length: count }, (_, index) => {
    const seed = (request.seed + index) % 2 ** 32;
    return { index, seed, generator: new TorchGenerator(seed), x: new Float32Array(0) as Float32Array };
  });
  const runningStages = bounds.slice(0, -1).flatMap((from, stage) => (bounds[stage + 1]! > from ? [stage] : []));
  const lastStage = runningStages.at(-1)!;
  const work = models.together ? images.flatMap((image) => runningStages.map((stage) => ({ image, stage }))) : runningStages.flatMap((stage) => images.map((image) => ({ image, stage })));
  for (const { image, stage } of work) {
    const { index, seed, generator } = image;
    if (stage === runningStages[0]) {
      const noise = generator.randn(channels * latentHeight * latentWidth);
      const sigma0 = plan.sigmas[runStart]!;
      image.x = initLatents ? initLatents.map((v, k) => v + noise[k]! * sigma0) : noise.map((v) => v * startScale(sampler, sigma0, first.family.spacing ?? first.folder.scheduler.spacing));
    }
    const { denoise, model } = await ready(stage);
    const from = bounds[stage]!;
    let stepStart = performance.now();
    image.x = await SAMPLERS[sampler](denoise, image.x, plan.sigmas.slice(from, bounds[stage + 1]! + 1), {
      noise: (n) => generator.randn(n),
      signal: hooks.signal,
      timestepOf: (sigma) => model.noise.timestepOf(sigma),
      onStep: (step, denoised) => {
        const now = performance.now();
        timings.stepMs.push(now - stepStart);
        expertReports?.[stage]!.stepMs.push(now - stepStart);
        stepStart = now;
        return hooks.onStep?.({ image: index, images: count, step: from + step + 1 - runStart, steps: steps - runStart, denoised, latentWidth, latentHeight });
      },
    });
    if (stage !== lastStage) continue;
    // A plan that stops above sigma 0 (DDIM, DPM-Solver as diffusers runs them) hands the VAE diffusers' variance-preserving latent.
    const end = plan.sigmas.at(-1)!;
    let latents = end > 0 ? image.x.map((v) => v / Math.sqrt(1 + end * end)) : image.x;
    if (initLatents && start.mask) latents = latents.map((v, k) => start.mask![k % start.mask!.length]! * v + (1 - start.mask![k % start.mask!.length]!) * initLatents[k]!);
    hooks.signal?.throwIfAborted();
    const decodeStart = performance.now();
    const decoded = await decodeLatents(model, latents, latentHeight, latentWidth);
    timings.decodeMs.push(performance.now() - decodeStart);
    image.x = new Float32Array(0);
    await hooks.onImage?.(decoded, seed, report);
  }
  return { settings, report };
}

interface Stage {
  readonly model: LoadedModel;
  readonly denoise: Denoiser;
  readonly spatial: { readonly method: RunReport['spatialControl']; readonly reason: string };
}

/** Two models on one noise schedule share the plan's discrete timesteps. */
function sameNoise(a: LoadedModel, b: LoadedModel): boolean {
  const x = a.folder.scheduler.noise;
  const y = b.folder.scheduler.noise;
  return x.numTrainTimesteps === y.numTrainTimesteps && x.betaStart === y.betaStart && x.betaEnd === y.betaEnd && x.betaSchedule === y.betaSchedule;
}

function samplingPlan(model: LoadedModel, sampler: SamplerName, schedule: SigmaScheduleName, steps: number): SamplingPlan {
  const { noise, folder, family } = model;
  if (sampler === 'lcm') {
    const timesteps = lcmTimesteps(steps, noise.sigmas.length);
    return { timesteps, sigmas: [...timesteps.map((t) => noise.sigmaAt(t)), 0] };
  }
  return planSampling(noise, sampler, { steps, schedule, spacing: family.spacing ?? folder.scheduler.spacing, stepsOffset: folder.scheduler.stepsOffset, setAlphaToOne: folder.scheduler.setAlphaToOne });
}

/**
 * The scale of the starting noise, as diffusers' schedulers set it: Euler's
 * init_noise_sigma, or (DDIM, DPM-Solver, LCM) unit-variance noise in their
 * variance-preserving space, which is sqrt(1 + sigma^2) here.
 */
function startScale(sampler: SamplerName, sigma0: number, spacing: 'leading' | 'trailing' | 'linspace'): number {
  return sampler === 'euler' || sampler === 'euler_ancestral' ? initialNoiseScale(sigma0, spacing) : Math.sqrt(1 + sigma0 ** 2);
}

/** Inpainting on any model (A1111's masked blend): outside the mask the estimate is the init image's latent. */
function blendedDenoiser(denoise: Denoiser, init: Float32Array, mask: Float32Array): Denoiser {
  return async (x, sigma) => {
    const denoised = await denoise(x, sigma);
    return denoised.map((v, k) => mask[k % mask.length]! * v + (1 - mask[k % mask.length]!) * init[k]!);
  };
}

import type { ParsedGenerationRequest, RunReport, RunTimings, SamplerName, SigmaScheduleName } from '../../../app/contract/generation';
import type { LoadedModel } from '../model/loaded-model';
import { ModelError } from '../model/model-error';
import { planConditioning } from '../conditioning/plan';
import { spatialDenoiser, type AttentionObserver } from '../conditioning/spatial-denoiser';
import { SAMPLERS, type Denoiser } from '../sampling/samplers';
import { initialNoiseScale, lcmTimesteps, planSampling, type SamplingPlan } from '../sampling/schedules';
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
export function resolveSettings(model: LoadedModel, request: ParsedGenerationRequest): ResolvedSettings {
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
 */
export async function generate(
  model: LoadedModel,
  request: ParsedGenerationRequest,
  start: StartImages,
  context: RunContext,
  hooks: GenerateHooks = {},
): Promise<{ settings: ResolvedSettings; report: GenerateReport }> {
  const started = performance.now();
  const settings = resolveSettings(model, request);
  const { steps, sampler, schedule, cfgScale, width, height } = settings;
  const { factor, channels } = model.folder.latent;
  if (width % factor !== 0 || height % factor !== 0) throw new ModelError('size-not-supported', `${model.folder.name} works in multiples of ${factor} pixels; ${width}x${height} is not one`);
  const latentHeight = height / factor;
  const latentWidth = width / factor;
  const guidance = model.family.guidance && cfgScale > 1;
  const warnings: string[] = [];
  if (!model.family.guidance && request.cfgScale !== undefined && request.cfgScale > 1) {
    warnings.push(`${model.family.label} models are guidance-distilled: CFG ${request.cfgScale} was not applied`);
  }

  const conditioning = request.conditioning ? await planConditioning(request.conditioning, request.prompt, request.seed, latentWidth, latentHeight) : null;
  const prompt = conditioning?.prompt ?? request.prompt;
  warnings.push(...(conditioning?.warnings ?? []));
  const prompts = await encodePrompts(model, prompt, request.negativePrompt, guidance);
  warnings.push(...prompts.warnings);

  const plan = samplingPlan(model, sampler, schedule, steps);
  const firstStep = request.init ? steps - Math.max(1, Math.min(steps, Math.floor(steps * request.init.strength))) : 0;
  const sigmas = plan.sigmas.slice(firstStep);
  const timesteps = plan.timesteps.slice(firstStep);
  const spatial = await spatialDenoiser({
    model,
    prompts,
    plan: conditioning,
    mode: request.conditioning?.regionalMode ?? 'auto',
    pwwStrength: request.conditioning?.paintWithWordsStrength ?? 0,
    guidanceScale: cfgScale,
    size: { width, height },
    latent: [channels, latentHeight, latentWidth],
    timestepOf: (sigma, step) => timesteps[step] ?? model.noise.timestepOf(sigma),
    cacheDir: context.cacheDir,
    ...(hooks.onAttention ? { onAttention: hooks.onAttention } : {}),
  });
  warnings.push(...spatial.warnings);
  let denoise: Denoiser = spatial.denoise;

  const initLatents = start.init ? await encodeImage(model, start.init) : null;
  if (initLatents && start.mask) denoise = blendedDenoiser(denoise, initLatents, start.mask);
  const timings = { encodeMs: performance.now() - started, stepMs: [] as number[], decodeMs: [] as number[] };
  // Each said once, however many parts found it.
  const report: GenerateReport = { prompt, warnings: [...new Set(warnings)], spatialControl: spatial.method, spatialReason: spatial.reason, layout: [...(conditioning?.layout ?? [])], timings };

  const count = request.batchCount;
  for (let index = 0; index < count; index++) {
    const seed = (request.seed + index) % 2 ** 32;
    const generator = new TorchGenerator(seed);
    const noise = generator.randn(channels * latentHeight * latentWidth);
    const x = initLatents ? initLatents.map((v, k) => v + noise[k]! * sigmas[0]!) : noise.map((v) => v * startScale(sampler, sigmas[0]!, model.family.spacing ?? model.folder.scheduler.spacing));
    let stepStart = performance.now();
    let latents = await SAMPLERS[sampler](denoise, x, sigmas, {
      noise: (n) => generator.randn(n),
      signal: hooks.signal,
      timestepOf: (sigma) => model.noise.timestepOf(sigma),
      onStep: (step, denoised) => {
        const now = performance.now();
        timings.stepMs.push(now - stepStart);
        stepStart = now;
        return hooks.onStep?.({ image: index, images: count, step: step + 1, steps: sigmas.length - 1, denoised, latentWidth, latentHeight });
      },
    });
    // A plan that stops above sigma 0 (DDIM, DPM-Solver as diffusers runs them) hands the VAE diffusers' variance-preserving latent.
    const end = sigmas.at(-1)!;
    if (end > 0) latents = latents.map((v) => v / Math.sqrt(1 + end * end));
    if (initLatents && start.mask) latents = latents.map((v, k) => start.mask![k % start.mask!.length]! * v + (1 - start.mask![k % start.mask!.length]!) * initLatents[k]!);
    hooks.signal?.throwIfAborted();
    const decodeStart = performance.now();
    const image = await decodeLatents(model, latents, latentHeight, latentWidth);
    timings.decodeMs.push(performance.now() - decodeStart);
    await hooks.onImage?.(image, seed, report);
  }
  return { settings, report };
}

function samplingPlan(model: LoadedModel, sampler: SamplerName, schedule: SigmaScheduleName, steps: number): SamplingPlan {
  const { noise, folder, family } = model;
  if (sampler === 'lcm') {
    const timesteps = lcmTimesteps(steps, noise.sigmas.length);
    return { timesteps, sigmas: [...timesteps.map((t) => noise.sigmaAt(t)), 0] };
  }
  if (steps < 1) throw new ModelError('size-not-supported', 'At least one step is needed');
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
  return async (x, sigma, step) => {
    const denoised = await denoise(x, sigma, step);
    return denoised.map((v, k) => mask[k % mask.length]! * v + (1 - mask[k % mask.length]!) * init[k]!);
  };
}

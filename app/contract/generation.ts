import { z } from 'zod';
import { AssetRef, ConditioningDocument, NormalizedRect, StudioConditioning } from './conditioning';
import { ModelId } from './model-id';
import { ExecutionProviderName } from './providers';

export const FamilyId = z.enum(['sd1', 'sd2', 'sdxl', 'sdxl-refiner', 'sd-turbo', 'sdxl-turbo', 'lcm']);
export type FamilyId = z.infer<typeof FamilyId>;

export const SamplerName = z.enum(['euler', 'euler_ancestral', 'ddim', 'dpmpp_2m', 'lcm']);
export type SamplerName = z.infer<typeof SamplerName>;

/** Each sampler as A1111 names it: the studio's menu, the PNG's parameters and the reading of other tools' parameters. */
export const SAMPLER_LABELS: Readonly<Record<SamplerName, string>> = {
  dpmpp_2m: 'DPM++ 2M',
  euler: 'Euler',
  euler_ancestral: 'Euler a',
  ddim: 'DDIM',
  lcm: 'LCM',
};

export const SigmaScheduleName = z.enum(['karras', 'spaced']);
export type SigmaScheduleName = z.infer<typeof SigmaScheduleName>;

/** Chosen by the caller so it can cancel a job before the job's answer comes. */
export const JobId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

// Bounds say their limit in words: the panel shows these messages at the field as it is typed in.
const dimension = z.number().int('a whole number of px').min(64, 'at least 64 px').max(4096, 'at most 4096 px').multipleOf(8, 'a multiple of 8 px');

const maskNeedsInit = (r: { mask?: unknown; init?: unknown }) => r.mask === undefined || r.init !== undefined;
const maskNeedsInitError = { message: 'A mask needs an init image', path: ['mask'] };

/**
 * Where an expert takes over (eDiff-I's ensemble of expert denoisers; the SDXL
 * refiner): a fraction of the schedule, as diffusers' `denoising_start` and
 * A1111's "Refiner switch at" give it, or a noise level.
 */
export const SwitchPoint = z.union([z.object({ fraction: z.number().gt(0, 'above 0').lt(1, 'below 1') }).strict(), z.object({ sigma: z.number().positive('above 0').max(1000, 'at most 1000') }).strict()]);
export type SwitchPoint = z.infer<typeof SwitchPoint>;

/** The SDXL refiner's aesthetic conditioning (diffusers' defaults: 6 for the prompt, 2.5 for the negative). */
export const AestheticScores = z.object({ positive: z.number().min(0).max(10), negative: z.number().min(0).max(10) }).strict();
export type AestheticScores = z.infer<typeof AestheticScores>;
export const DEFAULT_AESTHETIC_SCORES: AestheticScores = { positive: 6, negative: 2.5 };

const EXPERTS_IN_ORDER = 'each expert switches in after the one before it (a later fraction, a lower sigma)';
const MAX_EXPERTS = 3;

/** An ordered list of experts: each takes over from the one before at a later point of the schedule. */
function switchesInOrder(experts: readonly { switchAt: SwitchPoint }[]): boolean {
  return experts.every((e, i) => {
    const before = experts[i - 1]?.switchAt;
    if (!before) return true;
    if ('fraction' in e.switchAt && 'fraction' in before) return e.switchAt.fraction > before.fraction;
    if ('sigma' in e.switchAt && 'sigma' in before) return e.switchAt.sigma < before.sigma;
    return true;
  });
}

/** What every run names, however its pictures are given. */
const RunShape = z
  .object({
    prompt: z.string().max(20_000),
    negativePrompt: z.string().max(20_000).default(''),
    steps: z.number().int('a whole number of steps').min(1, 'at least 1 step').max(200, 'at most 200 steps').optional(),
    sampler: SamplerName.optional(),
    schedule: SigmaScheduleName.optional(),
    cfgScale: z.number().min(0, 'at least 0').max(50, 'at most 50').optional(),
    seed: z.number().int('a whole number').min(0, 'at least 0').max(0xffffffff, 'at most 4294967295'),
    width: dimension.optional(),
    height: dimension.optional(),
    batchCount: z.number().int('a whole number of images').min(1, 'at least 1 image').max(64, 'at most 64 images').default(1),
    family: FamilyId.optional(),
    provider: ExecutionProviderName.optional(),
    /** For the SDXL refiner, wherever it runs in the ensemble; other models ignore them. */
    aesthetic: AestheticScores.optional(),
  })
  .strict();

/** Warming a model up for the runs to come: the model and what decides its shapes. */
export const WarmRequest = RunShape.pick({ width: true, height: true, cfgScale: true, family: true, provider: true }).extend({ model: z.string().min(1).max(4096) }).strict();
export type WarmRequest = z.infer<typeof WarmRequest>;

/**
 * One generation as the renderer asks for it: everything a run needs to be
 * repeated exactly, but where to put it. Pictures (a start image, an inpaint
 * mask, painted regions) are assets it uploaded, by id: main never reads a
 * path the renderer names.
 */
export const GenerationSettings = RunShape.extend({
  /** The model, by its library id. */
  model: ModelId,
  /** img2img: a start image and how much of it to repaint (1 = all). */
  init: z.object({ asset: AssetRef, strength: z.number().gt(0).max(1) }).strict().optional(),
  /** Inpainting: white is repainted, black kept. Needs init. */
  mask: AssetRef.optional(),
  /** Where things go: painted regions, layout boxes, a scene graph. */
  conditioning: StudioConditioning.optional(),
  /** Library models that take over the later, low-noise steps (a refiner). */
  experts: z.array(z.object({ model: ModelId, switchAt: SwitchPoint }).strict()).max(MAX_EXPERTS).refine(switchesInOrder, EXPERTS_IN_ORDER).optional(),
})
  .strict()
  .refine(maskNeedsInit, maskNeedsInitError);
export type GenerationSettings = z.input<typeof GenerationSettings>;

/** A picture for the engine: a file path (an asset's, from main; any, from the CLI) or a PNG data: URL. */
const ImageSource = z.string().min(1).max(8_000_000);

/** A request as the engine runs it, with the folder its results go to. */
export const GenerationRequest = RunShape.extend({
  model: z.string().min(1).max(4096).describe("the model's folder"),
  outputDir: z.string().min(1).max(4096),
  init: z.object({ image: ImageSource, strength: z.number().gt(0).max(1) }).strict().optional(),
  mask: ImageSource.optional(),
  conditioning: ConditioningDocument.optional(),
  /** Model folders that take over the later steps, each with its family override when it has one. */
  experts: z
    .array(z.object({ model: z.string().min(1).max(4096), family: FamilyId.optional(), switchAt: SwitchPoint }).strict())
    .max(MAX_EXPERTS)
    .refine(switchesInOrder, EXPERTS_IN_ORDER)
    .optional(),
})
  .strict()
  .refine(maskNeedsInit, maskNeedsInitError);
export type GenerationRequest = z.input<typeof GenerationRequest>;
export type ParsedGenerationRequest = z.output<typeof GenerationRequest>;

export const GeneratedImage = z.object({
  path: z.string(),
  sidecar: z.string(),
  seed: z.number().int(),
  width: z.number().int(),
  height: z.number().int(),
});

/** Where the time of a run went, in milliseconds. */
export const RunTimings = z.object({
  /** Loading the model's sessions (0 when it was already loaded). */
  loadMs: z.number(),
  /** Planning the conditioning (solving a scene graph), encoding the prompts, preparing the UNet. */
  encodeMs: z.number(),
  /** Each sampling step, image after image. */
  stepMs: z.array(z.number()),
  /** Each image's VAE decode. */
  decodeMs: z.array(z.number()),
});
export type RunTimings = z.infer<typeof RunTimings>;

/** One denoiser of an ensemble run. */
export const ExpertReport = z.object({
  model: z.string(),
  /** Null for an expert that took no steps, and so was never loaded. */
  family: FamilyId.nullable(),
  /** Where it took over; null for the run's own model. */
  switchAt: SwitchPoint.nullable(),
  /** The run's steps it took, [first, end), counted from the run's first step (1-based as progress counts them: steps first+1..end). */
  steps: z.tuple([z.number().int(), z.number().int()]),
  /** Loading its sessions during the run (0 when it was held already). */
  loadMs: z.number(),
  stepMs: z.array(z.number()),
});
export type ExpertReport = z.infer<typeof ExpertReport>;

/** What a run did, beyond its settings: recorded in the result, its sidecar and its PNG. */
export const RunReport = z.object({
  /** The prompt the run used (a scene graph's composed prompt included). */
  prompt: z.string(),
  /** What the run changed or could not honour (a truncated prompt, a region without effect, a fallback). */
  warnings: z.array(z.string()),
  /** How regions, boxes and scene graphs were applied, and why that way. */
  spatialControl: z.enum(['none', 'attention', 'latent-composition']),
  spatialReason: z.string(),
  /** A scene graph's solved boxes: send them back as layout boxes to edit the layout. */
  layout: z.array(z.object({ id: z.string(), rect: NormalizedRect, label: z.string() })),
  timings: RunTimings,
  /** An ensemble's denoisers in order, the run's own model first: the steps each took and its share of the time. */
  experts: z.array(ExpertReport).optional(),
});
export type RunReport = z.infer<typeof RunReport>;

export const GenerationResult = RunReport.extend({
  images: z.array(GeneratedImage),
  family: FamilyId,
  /** The execution provider each model part actually ran on. */
  providers: z.record(z.string(), ExecutionProviderName),
  settings: z.object({ steps: z.number(), sampler: SamplerName, schedule: SigmaScheduleName, cfgScale: z.number(), width: z.number(), height: z.number() }),
});
export type GenerationResult = z.infer<typeof GenerationResult>;

/** A step of a generation, with a small preview of the current estimate. */
export const GenerationProgress = z.object({
  jobId: JobId,
  /** Loading the model, then preparing (encoding the prompts; patching the UNet when regions, boxes or a graph need it), then sampling step by step. */
  phase: z.enum(['loading', 'preparing', 'sampling']).default('sampling'),
  /** Loading, the model's graphs are optimised for this machine and saved: its first load here, which takes longer. */
  optimising: z.boolean().optional(),
  image: z.number().int().nonnegative(),
  images: z.number().int().positive(),
  step: z.number().int().nonnegative(),
  steps: z.number().int().positive(),
  /** PNG data URL of the denoised estimate at latent resolution. */
  preview: z.string().max(2_000_000).optional(),
});
export type GenerationProgress = z.infer<typeof GenerationProgress>;

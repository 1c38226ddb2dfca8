import type { FamilyId, SamplerName, SigmaScheduleName } from '../../../app/contract/generation';
import type { TimestepSpacing } from '../sampling/schedules';
import type { ModelFolder } from './model-folder';

/** What the engine needs to know about a kind of model beyond its files. */
export interface Family {
  readonly id: FamilyId;
  readonly label: string;
  /** Guidance-distilled models run without the unconditional half. */
  readonly guidance: boolean;
  /**
   * Which text-encoder layer conditions the UNet: SD 1/2 take the last
   * (SD 2's export already ends a layer early); SDXL's pipelines take the
   * penultimate layer of every encoder and the pooled embedding of the one
   * with a projection (`text_embeds`).
   */
  readonly textLayer: 'last' | 'penultimate';
  /** The UNet's `time_ids` carry an aesthetic score instead of the target size (the SDXL refiner). */
  readonly aestheticTimeIds?: true;
  readonly defaults: {
    readonly steps: number;
    readonly cfgScale: number;
    readonly sampler: SamplerName;
    readonly schedule: SigmaScheduleName;
    readonly size: number;
  };
  /** Few-step models are distilled on trailing timesteps whatever their config says. */
  readonly spacing?: TimestepSpacing;
  readonly vaeScalingFactor: number;
  /** Latent channels to RGB for previews (ComfyUI's latent_rgb_factors for SD1.x and SDXL). */
  readonly latentRgb: readonly (readonly [number, number, number])[];
}

const SD_RGB = [
  [0.3512, 0.2297, 0.3227],
  [0.325, 0.4974, 0.235],
  [-0.2829, 0.1762, 0.2721],
  [-0.212, -0.2616, -0.7177],
] as const;
const SDXL_RGB = [
  [0.392, 0.4054, 0.4549],
  [-0.2634, -0.0196, 0.0653],
  [0.0568, 0.1687, -0.0755],
  [-0.3112, -0.2359, -0.2076],
] as const;

export const FAMILIES: Readonly<Record<FamilyId, Family>> = {
  sd1: { id: 'sd1', label: 'Stable Diffusion 1.x', guidance: true, textLayer: 'last', defaults: { steps: 25, cfgScale: 7, sampler: 'dpmpp_2m', schedule: 'spaced', size: 512 }, vaeScalingFactor: 0.18215, latentRgb: SD_RGB },
  sd2: { id: 'sd2', label: 'Stable Diffusion 2.x', guidance: true, textLayer: 'last', defaults: { steps: 25, cfgScale: 7, sampler: 'dpmpp_2m', schedule: 'spaced', size: 768 }, vaeScalingFactor: 0.18215, latentRgb: SD_RGB },
  sdxl: { id: 'sdxl', label: 'Stable Diffusion XL', guidance: true, textLayer: 'penultimate', defaults: { steps: 30, cfgScale: 6, sampler: 'dpmpp_2m', schedule: 'spaced', size: 1024 }, vaeScalingFactor: 0.13025, latentRgb: SDXL_RGB },
  // diffusers' StableDiffusionXLImg2ImgPipeline defaults: guidance 5; the refiner is meant for the last steps (an expert, or img2img at low strength).
  'sdxl-refiner': { id: 'sdxl-refiner', label: 'SDXL refiner', guidance: true, textLayer: 'penultimate', aestheticTimeIds: true, defaults: { steps: 30, cfgScale: 5, sampler: 'dpmpp_2m', schedule: 'spaced', size: 1024 }, vaeScalingFactor: 0.13025, latentRgb: SDXL_RGB },
  'sd-turbo': { id: 'sd-turbo', label: 'SD-Turbo', guidance: false, textLayer: 'last', defaults: { steps: 1, cfgScale: 0, sampler: 'euler_ancestral', schedule: 'spaced', size: 512 }, spacing: 'trailing', vaeScalingFactor: 0.18215, latentRgb: SD_RGB },
  'sdxl-turbo': { id: 'sdxl-turbo', label: 'SDXL-Turbo', guidance: false, textLayer: 'penultimate', defaults: { steps: 1, cfgScale: 0, sampler: 'euler_ancestral', schedule: 'spaced', size: 512 }, spacing: 'trailing', vaeScalingFactor: 0.13025, latentRgb: SDXL_RGB },
  lcm: { id: 'lcm', label: 'Latent consistency model', guidance: false, textLayer: 'last', defaults: { steps: 4, cfgScale: 1, sampler: 'lcm', schedule: 'spaced', size: 512 }, vaeScalingFactor: 0.18215, latentRgb: SD_RGB },
};

export interface FamilyEvidence {
  readonly folder: ModelFolder;
  /** The UNet takes SDXL's pooled `text_embeds` / `time_ids`. */
  readonly unetHasAddedConditions: boolean;
  /** How many values each row of the UNet's `time_ids` holds, where the export fixed it (6 for SDXL base, 5 for the refiner). */
  readonly timeIdsWidth: number | null;
  /** The tokenizer pads with "!" (OpenCLIP's SD 2.x tokenizers) rather than <|endoftext|>. */
  readonly padsWithExclamation: boolean;
}

/**
 * Reads the family from the files: the SDXL refiner by `requires_aesthetics_score` or its five
 * `time_ids`, SDXL by its second encoder and pooled inputs, SD 2 by v-prediction or its tokenizer,
 * few-step kinds by scheduler or name.
 */
export function detectFamily({ folder, unetHasAddedConditions, timeIdsWidth, padsWithExclamation }: FamilyEvidence): FamilyId {
  const name = `${folder.name} ${folder.pipelineClass}`.toLowerCase();
  const turbo = name.includes('turbo');
  if (folder.requiresAestheticsScore || (unetHasAddedConditions && timeIdsWidth === 5)) return 'sdxl-refiner';
  if (folder.parts.text_encoder_2 || unetHasAddedConditions) return turbo ? 'sdxl-turbo' : 'sdxl';
  if (folder.scheduler.className === 'LCMScheduler' || /\blcm\b|latent-consistency/.test(name)) return 'lcm';
  if (turbo) return 'sd-turbo';
  if (folder.scheduler.prediction === 'v_prediction' || padsWithExclamation) return 'sd2';
  return 'sd1';
}

import { existsSync, statSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { NoiseScheduleConfig } from '../sampling/noise-schedule';
import type { Prediction } from '../sampling/denoiser';
import type { TimestepSpacing } from '../sampling/schedules';
import { ModelError } from './model-error';
import { parseBoundedJson } from '../../../app/domain/bounded-json';

export type PartName = 'text_encoder' | 'text_encoder_2' | 'unet' | 'vae_decoder' | 'vae_encoder';

export interface SchedulerConfig {
  readonly className: string;
  readonly noise: NoiseScheduleConfig;
  readonly prediction: Prediction;
  readonly spacing: TimestepSpacing;
  readonly stepsOffset: number;
  /** DDIM's last step ends at alpha 1 (true) or at alphas_cumprod[0] (false, what SD's configs say). */
  readonly setAlphaToOne: boolean;
}

/** A model folder in the diffusers ONNX layout, read but not loaded. */
export interface ModelFolder {
  readonly dir: string;
  readonly name: string;
  readonly pipelineClass: string;
  /** The ONNX file of each part present (external weights sit beside it and load by reference). */
  readonly parts: Readonly<Partial<Record<PartName, string>>>;
  /** The text encoders present, in order (text_encoder, text_encoder_2; the SDXL refiner has the second only). */
  readonly textEncoders: readonly ('text_encoder' | 'text_encoder_2')[];
  /** Each text encoder's tokenizer folder, in the same order. */
  readonly tokenizers: readonly string[];
  readonly scheduler: SchedulerConfig;
  /** The VAE's latent scale from vae_decoder/config.json, when the export kept it. */
  readonly vaeScalingFactor: number | null;
  /** The latent size the UNet was trained at (unet/config.json's sample_size), when the export kept it. */
  readonly sampleSize: number | null;
  /** How the VAE maps pixels to latents. */
  readonly latent: LatentGeometry;
  /** model_index.json's `force_zeros_for_empty_prompt` (SDXL pipelines: no negative prompt means zero negative embeddings); null when absent. */
  readonly forceZerosForEmptyPrompt: boolean | null;
  /** model_index.json's `requires_aesthetics_score`: the SDXL refiner's UNet reads an aesthetic score in its `time_ids`. */
  readonly requiresAestheticsScore: boolean;
}

/** Pixels per latent pixel along a side, and channels per latent pixel: 8 and 4 for SD 1/2/XL, other numbers for other VAEs. */
export interface LatentGeometry {
  readonly factor: number;
  readonly channels: number;
}

interface VaeConfig {
  readonly scaling_factor?: unknown;
  readonly latent_channels?: unknown;
  readonly block_out_channels?: unknown;
}

/**
 * The latent geometry as diffusers reads it: the VAE scales by 2 for each
 * of its blocks but the first (`vae_scale_factor = 2 ** (len(block_out_channels) - 1)`)
 * and has `latent_channels`; the UNet's `out_channels` stands in for the
 * latter (its in_channels may include an inpainting model's mask). Exports
 * that kept no configs are SD's 8 and 4.
 */
function latentGeometry(vae: VaeConfig | null, unet: { out_channels?: unknown } | null): LatentGeometry {
  const blocks = Array.isArray(vae?.block_out_channels) ? vae.block_out_channels.length : 0;
  const positive = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : null);
  return { factor: blocks > 0 ? 2 ** (blocks - 1) : 8, channels: positive(vae?.latent_channels) ?? positive(unet?.out_channels) ?? 4 };
}

/** The bytes of the model's weights: every file in its parts' folders (graphs and external data), what loading it holds in memory at least. */
export async function weightBytes(folder: ModelFolder): Promise<number> {
  let total = 0;
  for (const file of Object.values(folder.parts)) {
    const dir = dirname(file);
    for (const name of await readdir(dir)) total += await stat(join(dir, name)).then((s) => (s.isFile() ? s.size : 0), () => 0);
  }
  return total;
}

/** Far past any real schedule (SD's and DDPM's are 1000); bounds the table a config makes the engine build. */
const MAX_TRAIN_TIMESTEPS = 100_000;

const REQUIRED: readonly PartName[] = ['unet', 'vae_decoder'];
/** Each text encoder reads its own tokenizer folder. */
const TOKENIZER_OF = { text_encoder: 'tokenizer', text_encoder_2: 'tokenizer_2' } as const;

/** Reads `model_index.json`, the parts and the scheduler config; every problem is a ModelError naming the file. */
export async function readModelFolder(dir: string): Promise<ModelFolder> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ModelError('not-a-model', `${dir} is not a folder`);
  const index = await readJson<Record<string, unknown>>(join(dir, 'model_index.json'), 'not-a-model', 'a diffusers model folder has a model_index.json');
  const parts: Partial<Record<PartName, string>> = {};
  for (const part of ['text_encoder', 'text_encoder_2', 'unet', 'vae_decoder', 'vae_encoder'] as const) {
    const file = join(dir, part, 'model.onnx');
    if (existsSync(file)) parts[part] = file;
  }
  for (const part of REQUIRED) {
    if (!parts[part]) throw new ModelError('missing-part', `${dir} has no ${part}/model.onnx; an SD model needs a text encoder, unet and vae_decoder`);
  }
  // The SDXL refiner ships text_encoder_2 alone; every other model has text_encoder.
  const encoders = (['text_encoder', 'text_encoder_2'] as const).filter((p) => parts[p]);
  if (encoders.length === 0) throw new ModelError('missing-part', `${dir} has no text_encoder/model.onnx; an SD model needs a text encoder, unet and vae_decoder`);
  const tokenizers = encoders.map((encoder) => {
    const folder = join(dir, TOKENIZER_OF[encoder]);
    if (!existsSync(folder)) throw new ModelError('missing-part', `${dir} has ${encoder} but no ${TOKENIZER_OF[encoder]}/`);
    return folder;
  });

  const schedulerPath = join(dir, 'scheduler', 'scheduler_config.json');
  const raw = await readJson<Record<string, unknown>>(schedulerPath, 'missing-part', 'the scheduler config gives the noise schedule');
  const vaeConfigPath = join(dir, 'vae_decoder', 'config.json');
  const vaeConfig = existsSync(vaeConfigPath) ? await readJson<VaeConfig>(vaeConfigPath, 'unreadable-part', '') : null;
  const unetConfigPath = join(dir, 'unet', 'config.json');
  const unetConfig = existsSync(unetConfigPath) ? await readJson<{ sample_size?: unknown; out_channels?: unknown }>(unetConfigPath, 'unreadable-part', '') : null;
  return {
    dir,
    name: basename(dir),
    pipelineClass: typeof index._class_name === 'string' ? index._class_name : 'unknown',
    parts,
    textEncoders: encoders,
    tokenizers,
    scheduler: schedulerConfig(raw, schedulerPath),
    vaeScalingFactor: typeof vaeConfig?.scaling_factor === 'number' ? vaeConfig.scaling_factor : null,
    sampleSize: typeof unetConfig?.sample_size === 'number' ? unetConfig.sample_size : null,
    latent: latentGeometry(vaeConfig, unetConfig),
    forceZerosForEmptyPrompt: typeof index.force_zeros_for_empty_prompt === 'boolean' ? index.force_zeros_for_empty_prompt : null,
    requiresAestheticsScore: index.requires_aesthetics_score === true,
  };
}

/**
 * The scheduler config as diffusers reads it, strictly: a value the engine
 * does not implement is the model's problem, named with its file and value,
 * never a silently different noise schedule. Absent keys take SD's values.
 */
function schedulerConfig(raw: Record<string, unknown>, path: string): SchedulerConfig {
  const number = (key: string, fallback: number) => (typeof raw[key] === 'number' ? (raw[key] as number) : fallback);
  const oneOf = <T extends string>(key: string, allowed: readonly T[], fallback: T): T => {
    const value = raw[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
    throw new ModelError('unreadable-part', `${path}: ${key} ${JSON.stringify(value)} is not one the engine runs (${allowed.join(', ')})`);
  };
  // Settings that change the schedule, which the engine does not implement yet: refused in words rather than ignored.
  for (const key of ['use_karras_sigmas', 'rescale_betas_zero_snr', 'use_exponential_sigmas', 'use_beta_sigmas'] as const) {
    if (raw[key] === true) throw new ModelError('unreadable-part', `${path}: ${key} is set, which the engine does not honour yet`);
  }
  if (raw.trained_betas !== undefined && raw.trained_betas !== null) throw new ModelError('unreadable-part', `${path}: trained_betas are given, which the engine does not honour yet`);
  return {
    className: typeof raw._class_name === 'string' ? raw._class_name : 'unknown',
    noise: checkedNoise(
      { numTrainTimesteps: number('num_train_timesteps', 1000), betaStart: number('beta_start', 0.00085), betaEnd: number('beta_end', 0.012), betaSchedule: oneOf('beta_schedule', ['scaled_linear', 'linear'], 'scaled_linear') },
      path,
    ),
    prediction: oneOf('prediction_type', ['epsilon', 'v_prediction'], 'epsilon'),
    spacing: oneOf('timestep_spacing', ['leading', 'trailing', 'linspace'], 'leading'),
    stepsOffset: number('steps_offset', 1),
    setAlphaToOne: typeof raw.set_alpha_to_one === 'boolean' ? raw.set_alpha_to_one : true,
  };
}

/** The noise table is built from these: a length of 1e12, or betas out of order or past 1, is a broken file, not a schedule. */
function checkedNoise(noise: NoiseScheduleConfig, path: string): NoiseScheduleConfig {
  const { numTrainTimesteps, betaStart, betaEnd } = noise;
  if (!Number.isInteger(numTrainTimesteps) || numTrainTimesteps < 2 || numTrainTimesteps > MAX_TRAIN_TIMESTEPS) {
    throw new ModelError('unreadable-part', `${path}: num_train_timesteps must be a whole number from 2 to ${MAX_TRAIN_TIMESTEPS}, not ${numTrainTimesteps}`);
  }
  if (!(betaStart > 0 && betaStart < betaEnd && betaEnd < 1)) throw new ModelError('unreadable-part', `${path}: the noise schedule needs 0 < beta_start < beta_end < 1 (got ${betaStart} and ${betaEnd})`);
  return noise;
}

async function readJson<T>(path: string, code: 'not-a-model' | 'missing-part' | 'unreadable-part', why: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code;
    if (reason !== 'ENOENT') throw new ModelError('unreadable-part', `${path} cannot be read (${reason ?? (error as Error).message})`);
    throw new ModelError(code, `${path} is missing${why ? `: ${why}` : ''}`);
  }
  let value: unknown;
  try {
    value = parseBoundedJson(text, { maxBytes: 64 * 2 ** 20 });
  } catch (error) {
    throw new ModelError('unreadable-part', `${path} ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ModelError('unreadable-part', `${path} must hold a JSON object, not ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
  return value as T;
}

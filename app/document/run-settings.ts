import { z } from 'zod';
import { ExecutionProviderName } from '../contract/providers';
import { AestheticScores, GenerationSettings, SamplerName } from '../contract/generation';
import { ModelId } from '../contract/model-id';
import type { RunDefaults } from '../contract/models';
import { LayerId } from './document';

/**
 * Everything a person sets up for a run besides the canvas: the prompt and
 * negative prompt, the model, the numbers, the seed and whether it is kept,
 * the batch, the provider and what the run starts from. A project keeps it
 * beside its document, so reopening, restoring after a crash and "Use
 * everything" bring back the studio as it was.
 *
 * Numbers are kept as overrides over the chosen model's own defaults
 * (`ModelEntry.defaults`): a field the user never touched follows the model,
 * so changing the model changes it, as the panel shows. They are kept as
 * typed, in range or not: a half-edited field must never stop a save; the
 * run's own contract judges them, field by field, when it is asked for.
 */
export const RunOverrides = z
  .object({
    steps: z.number(),
    cfgScale: z.number(),
    sampler: SamplerName,
    width: z.number(),
    height: z.number(),
  })
  .partial()
  .strict();
export type RunOverrides = z.infer<typeof RunOverrides>;

/** Which sigmas a run takes: the model's own (its scheduler config, as diffusers does) or Karras' (A1111's option). */
export const RunSchedule = z.enum(['model', 'karras']);
export type RunSchedule = z.infer<typeof RunSchedule>;

export const StartFrom = z.object({ layer: LayerId, strength: z.number().gt(0).max(1) }).strict();
export type StartFrom = z.infer<typeof StartFrom>;

/** An expert that takes over the run's later steps (a refiner), at a fraction of the schedule. */
export const RunExpert = z.object({ model: ModelId, switchAt: z.number() }).strict();
export type RunExpert = z.infer<typeof RunExpert>;

export const RunSettings = z
  .object({
    prompt: z.string().max(1_000_000),
    negativePrompt: z.string().max(1_000_000),
    /** Null: the library's default model. */
    model: ModelId.nullable(),
    overrides: RunOverrides,
    schedule: RunSchedule,
    /** The seed the next run uses (and the one scene graphs are laid out with). */
    seed: z.number(),
    /** After each run a new seed is drawn, so the one shown is always the one the next run takes. */
    newSeedEachRun: z.boolean(),
    batchCount: z.number(),
    /** Null: the best provider available. */
    provider: ExecutionProviderName.nullable(),
    /** img2img: the picture layer a run starts from; null: text to image. */
    startFrom: StartFrom.nullable(),
    /** Models that take over the later steps, in order (projects saved before experts existed have none). */
    experts: z.array(RunExpert).max(3).default([]),
    /** The SDXL refiner's aesthetic scores; null: diffusers' defaults. */
    aesthetic: AestheticScores.nullable().default(null),
  })
  .strict();
export type RunSettings = z.infer<typeof RunSettings>;

/** A fresh studio's settings: nothing chosen, everything following the model, a new seed each run. */
export function defaultRunSettings(seed: number): RunSettings {
  return { prompt: '', negativePrompt: '', model: null, overrides: {}, schedule: 'model', seed, newSeedEachRun: true, batchCount: 1, provider: null, startFrom: null, experts: [], aesthetic: null };
}

/** A project's saved settings, or null where they are missing or no longer parse (the document still opens). */
export function runSettingsOf(saved: unknown): RunSettings | null {
  const parsed = RunSettings.safeParse(saved);
  return parsed.success ? parsed.data : null;
}

/** The model a run takes: the one chosen when the library can run it, else the library's default, else the first usable one. */
export function chosenModel<M extends { readonly id: string; readonly problem: string | null }>(listing: { readonly models: readonly M[]; readonly defaultId: string | null }, run: RunSettings): M | undefined {
  const usable = listing.models.filter((m) => m.problem === null);
  return usable.find((m) => m.id === run.model) ?? usable.find((m) => m.id === listing.defaultId) ?? usable[0];
}

/** The numbers a run takes: the user's overrides over the model's defaults. */
export function resolvedNumbers(run: RunSettings, defaults: RunDefaults): RunDefaults {
  return { ...defaults, ...run.overrides };
}

/** The contract's settings for a run of `model` (whose defaults fill what the user left alone); pictures and conditioning come from the canvas. */
export function generationSettingsOf(run: RunSettings, model: { id: string; defaults: RunDefaults }): GenerationSettings {
  const { steps, cfgScale, sampler, width, height } = resolvedNumbers(run, model.defaults);
  return {
    model: model.id,
    prompt: run.prompt,
    negativePrompt: run.negativePrompt,
    seed: run.seed,
    steps,
    cfgScale,
    sampler,
    // LCM takes its own timesteps: Karras sigmas do not apply to it.
    ...(run.schedule === 'karras' && sampler !== 'lcm' ? { schedule: 'karras' as const } : {}),
    width,
    height,
    batchCount: run.batchCount,
    ...(run.provider ? { provider: run.provider } : {}),
    ...(run.experts.length > 0 ? { experts: run.experts.map((e) => ({ model: e.model, switchAt: { fraction: e.switchAt } })) } : {}),
    ...(run.aesthetic ? { aesthetic: run.aesthetic } : {}),
  };
}

/**
 * What is wrong with a run's fields, by field ("width", "steps", …), in the
 * contract's words, with the nearest size that fits where a size is off the
 * grid: shown as the person types, before any run is asked for.
 */
export function runFieldErrors(settings: GenerationSettings): Record<string, string> {
  const parsed = GenerationSettings.safeParse(settings);
  if (parsed.success) return {};
  const errors: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? '');
    if (errors[field]) continue;
    const value = (settings as Record<string, unknown>)[field];
    const nearest = typeof value === 'number' ? Math.min(4096, Math.max(64, Math.round(value / 8) * 8)) : null;
    errors[field] = issue.message === 'a multiple of 8 px' && nearest !== null ? `${issue.message} (${nearest}?)` : issue.message;
  }
  return errors;
}

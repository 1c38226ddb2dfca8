import type { GalleryRecord, GenerationInfo } from '../../../app/contract/gallery';
import { wordbrushRecordOf } from '../../../app/domain/generation-info';
import type { AestheticScores, SamplerName } from '../../../app/contract/generation';
import type { RunSettings } from '../../../app/document/run-settings';
import type { ModelListing } from '../../../app/contract/models';

/** A seed for a run that takes a new one: any of the 2^32 the contract allows. */
export const randomSeed = () => Math.floor(Math.random() * 2 ** 32);

/** What a recalled result sets in the run: its prompts, model, numbers and schedule, and its seed, kept (a new seed each run when it had none). */
export type RecalledRun = Partial<RunSettings> & Pick<RunSettings, 'prompt' | 'negativePrompt' | 'overrides' | 'schedule' | 'newSeedEachRun' | 'experts' | 'aesthetic'>;

interface WordbrushRecord {
  readonly request?: { prompt?: string; negativePrompt?: string; seed?: number; model?: string; experts?: { model?: string; switchAt?: { fraction?: number } }[]; aesthetic?: AestheticScores };
  readonly settings?: { steps?: number; sampler?: SamplerName; schedule?: string; cfgScale?: number; width?: number; height?: number };
}

/**
 * A result's settings for the panel: Wordbrush's own record when the image
 * has one (the settings as the run resolved them), else what A1111, ComfyUI
 * or InvokeAI wrote. The model is kept when the library has one by that id or name.
 */
export function presetOf(record: GalleryRecord, listing: ModelListing): RecalledRun {
  return presetFrom(record.wordbrush as WordbrushRecord | null, record.entry.info, listing);
}

/** A preset from what a PNG's text says (a file dropped on the studio): Wordbrush's record or another tool's parameters. */
export function presetFromText(text: Readonly<Record<string, string>>, info: GenerationInfo | null, listing: ModelListing): RecalledRun | null {
  const own = text.wordbrush ? (wordbrushRecordOf(text.wordbrush) as WordbrushRecord | null) : null;
  return own || info ? presetFrom(own, info, listing) : null;
}

function presetFrom(own: WordbrushRecord | null, info: GenerationInfo | null, listing: ModelListing): RecalledRun {
  const modelOf = (name: string | undefined) => listing.models.find((m) => m.problem === null && (m.id === name || m.name === name))?.id;
  const model = modelOf(own?.request?.model ?? info?.model);
  // Wordbrush's record keeps every expert; A1111's parameters one refiner. Experts the library lacks, or switched at a sigma, are left out.
  const named = own?.request ? (own.request.experts ?? []).map((e) => ({ model: e.model, switchAt: e.switchAt?.fraction })) : info?.refiner ? [{ model: info.refiner, switchAt: info.refinerSwitchAt }] : [];
  const experts = named.flatMap((e) => {
    const id = modelOf(e.model);
    return id && e.switchAt !== undefined && e.switchAt > 0 && e.switchAt < 1 ? [{ model: id, switchAt: e.switchAt }] : [];
  });
  const seed = own?.request?.seed ?? info?.seed;
  const s = own?.settings ?? {};
  const numbers = definedOf({ steps: s.steps ?? info?.steps, cfgScale: s.cfgScale ?? info?.cfgScale, sampler: s.sampler ?? info?.sampler, width: s.width ?? info?.width, height: s.height ?? info?.height });
  return {
    ...(model ? { model } : {}),
    prompt: own?.request?.prompt ?? info?.prompt ?? '',
    negativePrompt: own?.request?.negativePrompt ?? info?.negativePrompt ?? '',
    overrides: numbers,
    schedule: (s.schedule ?? info?.schedule) === 'karras' ? 'karras' : 'model',
    experts,
    aesthetic: own?.request?.aesthetic ?? null,
    // Seeds wider than 32 bits (ComfyUI's) cannot be repeated here: a new one is picked for each run instead.
    ...(seed !== undefined && seed >= 0 && seed < 2 ** 32 ? { seed, newSeedEachRun: false } : { newSeedEachRun: true }),
  };
}

function definedOf<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}

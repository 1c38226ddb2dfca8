import type { GalleryRecord, GenerationInfo } from '../../../app/contract/gallery';
import { wordbrushRecordOf } from '../../../app/domain/generation-info';
import type { SamplerName } from '../../../app/contract/generation';
import type { RunSettings } from '../../../app/document/run-settings';
import type { ModelListing } from '../../../app/contract/models';

/** A seed for a run that takes a new one: any of the 2^32 the contract allows. */
export const randomSeed = () => Math.floor(Math.random() * 2 ** 32);

/** What a recalled result sets in the run: its prompts, model, numbers and schedule, and its seed, kept (a new seed each run when it had none). */
export type RecalledRun = Partial<RunSettings> & Pick<RunSettings, 'prompt' | 'negativePrompt' | 'overrides' | 'schedule' | 'newSeedEachRun'>;

interface WordbrushRecord {
  readonly request?: { prompt?: string; negativePrompt?: string; seed?: number; model?: string };
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
  const modelName = own?.request?.model ?? info?.model;
  const model = listing.models.find((m) => m.problem === null && (m.id === modelName || m.name === modelName))?.id;
  const seed = own?.request?.seed ?? info?.seed;
  const s = own?.settings ?? {};
  const numbers = definedOf({ steps: s.steps ?? info?.steps, cfgScale: s.cfgScale ?? info?.cfgScale, sampler: s.sampler ?? info?.sampler, width: s.width ?? info?.width, height: s.height ?? info?.height });
  return {
    ...(model ? { model } : {}),
    prompt: own?.request?.prompt ?? info?.prompt ?? '',
    negativePrompt: own?.request?.negativePrompt ?? info?.negativePrompt ?? '',
    overrides: numbers,
    schedule: (s.schedule ?? info?.schedule) === 'karras' ? 'karras' : 'model',
    // Seeds wider than 32 bits (ComfyUI's) cannot be repeated here: a new one is picked for each run instead.
    ...(seed !== undefined && seed >= 0 && seed < 2 ** 32 ? { seed, newSeedEachRun: false } : { newSeedEachRun: true }),
  };
}

function definedOf<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}

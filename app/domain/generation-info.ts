import type { GenerationInfo } from '../contract/gallery';
import { SAMPLER_LABELS, type SamplerName } from '../contract/generation';
import { parseBoundedJson } from './bounded-json';

export type { GenerationInfo };

/** A1111's pattern for one "Key: value" pair; a value may be a quoted string with commas in it. */
const PAIR = /\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)/g;

/** Sampler names as A1111 (its labels) and ComfyUI (the names themselves) write them, lower-cased, for the samplers the studio has. */
const SAMPLERS: Readonly<Record<string, SamplerName>> = Object.fromEntries(
  Object.entries(SAMPLER_LABELS).flatMap(([name, label]) => [
    [label.toLowerCase(), name as SamplerName],
    [name, name as SamplerName],
  ]),
);

const numberOf = (value: string | undefined): number | undefined => {
  if (value === undefined || value.trim() === '') return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
};

/**
 * Reads A1111's `parameters` text (also written by ComfyUI's image savers,
 * Forge, Fooocus…) as A1111's own `parse_generation_parameters` does: prompt
 * lines, then "Negative prompt:" lines, then one line of "Key: value" pairs
 * (it must hold at least three).
 */
export function parseA1111Parameters(text: string): GenerationInfo {
  const lines = text.trim().split('\n');
  const last = lines.at(-1) ?? '';
  const pairs = [...last.matchAll(PAIR)].filter((m) => m[0].trim() !== '');
  const hasParameters = pairs.length >= 3;
  const body = hasParameters ? lines.slice(0, -1) : lines;
  const negativeAt = body.findIndex((line) => line.trim().startsWith('Negative prompt:'));
  const prompt = (negativeAt < 0 ? body : body.slice(0, negativeAt)).join('\n').trim();
  const negativePrompt = negativeAt < 0 ? '' : body.slice(negativeAt).join('\n').trim().replace(/^Negative prompt:\s*/, '').trim();
  const fields: Record<string, string> = {};
  if (hasParameters) {
    for (const [, key, raw] of pairs) {
      const value = raw!.trim();
      fields[key!.trim()] = value.startsWith('"') ? unquote(value) : value;
    }
  }
  const version = fields.Version ?? '';
  return { tool: /comfy/i.test(version) ? 'comfyui' : 'a1111', prompt, negativePrompt, fields, ...settingsOf(fields) };
}

function unquote(value: string): string {
  try {
    return parseBoundedJson(value) as string;
  } catch {
    return value.slice(1, -1);
  }
}

function settingsOf(fields: Readonly<Record<string, string>>): Partial<GenerationInfo> {
  const size = /^(\d+)x(\d+)$/.exec(fields.Size ?? '');
  const label = fields.Sampler;
  // "DPM++ 2M Karras" (A1111 before 1.9), "Schedule type: Karras" (1.9 on), "euler_ancestral karras" (ComfyUI savers).
  const karras = /\bkarras$/i.test(label ?? '') || /^karras$/i.test(fields['Schedule type'] ?? '');
  const base = label?.replace(/\s*karras$/i, '').trim().toLowerCase();
  const sampler = base ? SAMPLERS[base] : undefined;
  return {
    ...(numberOf(fields.Steps) !== undefined ? { steps: numberOf(fields.Steps)! } : {}),
    ...(label ? { samplerLabel: label } : {}),
    ...(sampler ? { sampler } : {}),
    ...(sampler && karras ? { schedule: 'karras' as const } : {}),
    ...(numberOf(fields['CFG scale']) !== undefined ? { cfgScale: numberOf(fields['CFG scale'])! } : {}),
    ...(numberOf(fields.Seed) !== undefined ? { seed: numberOf(fields.Seed)! } : {}),
    ...(size ? { width: Number(size[1]), height: Number(size[2]) } : {}),
    ...(fields.Model ? { model: fields.Model } : {}),
    ...(numberOf(fields['Denoising strength']) !== undefined ? { denoisingStrength: numberOf(fields['Denoising strength'])! } : {}),
    // A1111 writes "Refiner: sd_xl_refiner_1.0 [7440042bbd]": the name, then the checkpoint's short hash.
    ...(fields.Refiner ? { refiner: fields.Refiner.replace(/\s*\[[0-9a-f]+\]$/i, '') } : {}),
    ...(numberOf(fields['Refiner switch at']) !== undefined ? { refinerSwitchAt: numberOf(fields['Refiner switch at'])! } : {}),
  };
}

/** InvokeAI 3 and later: its `invokeai_metadata` JSON. */
export function parseInvokeAIMetadata(json: string): GenerationInfo | null {
  let data: Record<string, unknown>;
  try {
    data = parseBoundedJson(json) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (typeof data !== 'object' || data === null) return null;
  const text = (key: string) => (typeof data[key] === 'string' ? (data[key] as string) : undefined);
  const number = (key: string) => (typeof data[key] === 'number' ? (data[key] as number) : undefined);
  const model = data.model as { name?: unknown; model_name?: unknown } | undefined;
  const modelName = typeof model?.name === 'string' ? model.name : typeof model?.model_name === 'string' ? model.model_name : undefined;
  const scheduler = text('scheduler');
  // InvokeAI names Karras variants with a suffix: "dpmpp_2m_k", "euler_k".
  const karras = scheduler?.endsWith('_k') ?? false;
  const sampler = scheduler ? SAMPLERS[scheduler.replace(/_k$/, '')] : undefined;
  const fields = Object.fromEntries(Object.entries(data).filter(([, v]) => typeof v !== 'object').map(([k, v]) => [k, String(v)]));
  return {
    tool: 'invokeai',
    prompt: text('positive_prompt') ?? '',
    negativePrompt: text('negative_prompt') ?? '',
    fields,
    ...(number('steps') !== undefined ? { steps: number('steps')! } : {}),
    ...(scheduler ? { samplerLabel: scheduler } : {}),
    ...(sampler ? { sampler } : {}),
    ...(sampler && karras ? { schedule: 'karras' as const } : {}),
    ...(number('cfg_scale') !== undefined ? { cfgScale: number('cfg_scale')! } : {}),
    ...(number('seed') !== undefined ? { seed: number('seed')! } : {}),
    ...(number('width') !== undefined ? { width: number('width')! } : {}),
    ...(number('height') !== undefined ? { height: number('height')! } : {}),
    ...(modelName ? { model: modelName } : {}),
  };
}

/** What a PNG's text chunks say about how it was made: InvokeAI's JSON first, then A1111-style `parameters`. */
export function generationInfoOf(chunks: Readonly<Record<string, string>>): GenerationInfo | null {
  if (chunks.invokeai_metadata) {
    const info = parseInvokeAIMetadata(chunks.invokeai_metadata);
    if (info) return info;
  }
  if (chunks.parameters) {
    const info = parseA1111Parameters(chunks.parameters);
    return chunks.wordbrush ? { ...info, tool: 'wordbrush' } : info;
  }
  return null;
}

/**
 * The record Wordbrush writes with an image (its `wordbrush` chunk) without
 * the folders in it: the model named by its folder's name (its library id),
 * no output folder, init, inpaint and painted region masks only said to exist. What the
 * gallery hands the renderer, and what the renderer reads from a dropped PNG.
 */
export function wordbrushRecordOf(json: string): Record<string, unknown> | null {
  let record: unknown;
  try {
    // Shallower than the contract's bound, so the record still fits inside the answer that carries it.
    record = parseBoundedJson(json, { maxDepth: 32 });
  } catch {
    return null;
  }
  if (typeof record !== 'object' || record === null) return null;
  const rest = { ...(((record as Record<string, unknown>).request ?? {}) as Record<string, unknown>) };
  delete rest.outputDir;
  const nameOf = (folder: unknown) => (typeof folder === 'string' ? (folder.split(/[\\/]/).pop() ?? folder) : folder);
  const experts = Array.isArray(rest.experts) ? rest.experts.map((e: unknown) => (typeof e === 'object' && e !== null ? { ...e, model: nameOf((e as { model?: unknown }).model) } : e)) : undefined;
  const conditioning = withoutMaskFiles(rest.conditioning);
  return {
    ...record,
    request: {
      ...rest,
      model: nameOf(rest.model),
      ...(experts ? { experts } : {}),
      ...(rest.init ? { init: IMAGE_FILE } : {}),
      ...(rest.mask ? { mask: IMAGE_FILE } : {}),
      ...(conditioning ? { conditioning } : {}),
    },
  };
}

const IMAGE_FILE = '(an image file)';

/** A recorded conditioning document with its painted masks only said to exist: they name files in main's assets. */
function withoutMaskFiles(conditioning: unknown): unknown {
  if (typeof conditioning !== 'object' || conditioning === null) return conditioning;
  const { regions } = conditioning as { regions?: unknown };
  if (!Array.isArray(regions)) return conditioning;
  const painted = (mask: unknown) => typeof mask === 'object' && mask !== null && (mask as { kind?: unknown }).kind === 'image';
  return {
    ...conditioning,
    regions: regions.map((r: unknown) => (typeof r === 'object' && r !== null && painted((r as { mask?: unknown }).mask) ? { ...r, mask: { kind: 'image', png: IMAGE_FILE } } : r)),
  };
}

import type * as ort from 'onnxruntime-node';
import { inputShape, inputType, type LoadedModel, type Part } from '../model/loaded-model';
import { ModelError } from '../model/model-error';
import { makeTensor, readFloats } from '../onnx/tensors';
import type { PromptEmbedding } from './text-conditioning';
import { DEFAULT_AESTHETIC_SCORES, type AestheticScores } from '../../../app/contract/generation';

export interface UnetConditions {
  /** The conditional prompts: one, or several for latent composition. All have the same number of positions. */
  readonly conds: readonly PromptEmbedding[];
  /** Present for classifier-free guidance: it shares the UNet batch with the conditional rows. */
  readonly uncond: PromptEmbedding | null;
  readonly guidanceScale: number;
  /** SDXL's micro-conditioning: original size, crop, target size. */
  readonly size: { readonly width: number; readonly height: number };
  /** The SDXL refiner's aesthetic scores, for the conditional and the unconditional rows (diffusers' defaults when absent). */
  readonly aesthetic?: AestheticScores;
  /** The UNet to call: the attention-biased one when spatial conditioning needs it. */
  readonly part?: Part;
  /** Extra inputs (attention biases) for batch rows [start, start + count) at this sigma. */
  readonly extraFeeds?: (sigma: number, start: number, count: number) => Record<string, ort.Tensor>;
  /** Sees every output of each run (attention maps, when the graph exposes them), for rows [start, start + count). */
  readonly onOutputs?: (outputs: Readonly<Record<string, ort.Tensor>>, start: number, count: number) => void;
}

/** Calls the UNet for one latent; answers the guided output of each conditional prompt. */
export type UnetCall = (scaledInput: Float32Array, timestep: number, sigma: number) => Promise<Float32Array[]>;

/**
 * Calls the UNet the way its export wants: element types and timestep shape
 * read from the session, SDXL's pooled inputs when it takes them, and every
 * row (unconditional first, then each conditional prompt) in one batch, split
 * when the export fixed the batch size.
 */
export function unetCaller(model: LoadedModel, conditions: UnetConditions, latentShape: readonly [number, number, number]): UnetCall {
  const unet = conditions.part ?? model.unet;
  const [channels, h, w] = latentShape;
  const rows = conditions.uncond ? [conditions.uncond, ...conditions.conds] : [...conditions.conds];
  const sampleShape = inputShape(unet, 'sample');
  const fixedBatch = typeof sampleShape?.[0] === 'number' ? sampleShape[0] : null;
  checkStaticShape(sampleShape, [fixedBatch ?? rows.length, channels, h, w], 'sample', model.folder.name, model.folder.latent.factor);
  const contextWidth = inputShape(unet, 'encoder_hidden_states')?.[2];
  if (typeof contextWidth === 'number' && contextWidth !== rows[0]!.width) {
    throw new ModelError('unsupported-io', `The UNet expects ${contextWidth}-wide text embeddings but the text encoder gives ${rows[0]!.width}`);
  }
  const batchPerRun = fixedBatch ?? rows.length;
  // A fixed batch that does not divide the rows runs a last, padded pass whose extra rows are discarded.
  while (rows.length % batchPerRun !== 0) rows.push(rows.at(-1)!);

  const sampleType = inputType(unet, 'sample');
  const timestepType = inputType(unet, 'timestep');
  const timestepDims = inputShape(unet, 'timestep');
  // An export that declares a scalar or [1] takes one timestep for the whole batch; others one a row.
  const oneTimestep = timestepDims?.length === 0 || (timestepDims?.length === 1 && timestepDims[0] === 1);
  const contextType = inputType(unet, 'encoder_hidden_states');
  const pooled = unet.inputs.has('text_embeds');
  const timeIds = pooled ? microConditioning(model, unet, conditions) : null;
  const outputName = unet.outputs[0]!;
  const perLatent = channels * h * w;

  return async (scaledInput, timestep, sigma) => {
    const all = new Float32Array(rows.length * perLatent);
    for (let start = 0; start < rows.length; start += batchPerRun) {
      const group = rows.slice(start, start + batchPerRun);
      const n = group.length;
      const sample = new Float32Array(n * perLatent);
      for (let i = 0; i < n; i++) sample.set(scaledInput, i * perLatent);
      const { positions, width } = group[0]!;
      const context = new Float32Array(n * positions * width);
      group.forEach((row, i) => context.set(row.hidden, i * row.hidden.length));
      const timestepCount = oneTimestep ? 1 : n;
      const feeds: Record<string, ort.Tensor> = {
        sample: makeTensor(sampleType, sample, [n, channels, h, w]),
        timestep: makeTensor(timestepType, new Array<number>(timestepCount).fill(timestep), timestepDims?.length === 0 ? [] : [timestepCount]),
        encoder_hidden_states: makeTensor(contextType, context, [n, positions, width]),
        ...conditions.extraFeeds?.(sigma, start, n),
      };
      if (timeIds) Object.assign(feeds, pooledFeeds(unet, group, group.map((_, i) => timeIds(start + i))));
      const result = await unet.session.run(feeds);
      all.set(readFloats(result[outputName]!), start * perLatent);
      conditions.onOutputs?.(result, start, n);
    }
    const offset = conditions.uncond ? 1 : 0;
    return conditions.conds.map((_, r) => {
      const cond = all.subarray((r + offset) * perLatent, (r + offset + 1) * perLatent);
      if (!conditions.uncond) return cond.slice();
      // eps = eps_uncond + s (eps_cond - eps_uncond) (Ho & Salimans 2022)
      const guided = new Float32Array(perLatent);
      const s = conditions.guidanceScale;
      for (let k = 0; k < perLatent; k++) guided[k] = all[k]! + s * (cond[k]! - all[k]!);
      return guided;
    });
  };
}

/**
 * SDXL's `time_ids` for batch row `row` (the unconditional row first when
 * there is one), as diffusers' pipelines build them with no crop and the
 * output size as original size: base, original size + crop + target size;
 * refiner (`requires_aesthetics_score`), original size + crop + aesthetic
 * score, the negative score on the unconditional row.
 */
function microConditioning(model: LoadedModel, unet: Part, conditions: UnetConditions): (row: number) => number[] {
  const { width, height } = conditions.size;
  const declared = inputShape(unet, 'time_ids')?.[1];
  const aesthetic = typeof declared === 'number' ? declared === 5 : model.family.aestheticTimeIds === true;
  if (!aesthetic) return () => [height, width, 0, 0, height, width];
  const scores = conditions.aesthetic ?? DEFAULT_AESTHETIC_SCORES;
  return (row) => [height, width, 0, 0, conditions.uncond && row === 0 ? scores.negative : scores.positive];
}

function pooledFeeds(unet: Part, group: readonly PromptEmbedding[], timeIds: readonly number[][]): Record<string, ort.Tensor> {
  const n = group.length;
  const width = group[0]!.pooled?.length ?? 0;
  if (width === 0) throw new ModelError('unsupported-io', 'The UNet takes text_embeds but no text encoder gave a pooled embedding');
  const embeds = new Float32Array(n * width);
  group.forEach((row, i) => embeds.set(row.pooled!, i * width));
  return { text_embeds: makeTensor(inputType(unet, 'text_embeds'), embeds, [n, width]), time_ids: makeTensor(inputType(unet, 'time_ids'), timeIds.flat(), [n, timeIds[0]!.length]) };
}

/** A static export fits one size only: say which, in pixels, rather than let onnxruntime fail obscurely. */
function checkStaticShape(declared: readonly (number | string)[] | null, wanted: readonly number[], name: string, model: string, factor: number): void {
  if (!declared) return;
  const mismatch = declared.some((d, i) => typeof d === 'number' && d !== wanted[i]);
  if (!mismatch) return;
  const fixed = declared.map((d) => (typeof d === 'number' ? d : '?'));
  const pixels = typeof declared[2] === 'number' && typeof declared[3] === 'number' ? ` (${Number(declared[3]) * factor}x${Number(declared[2]) * factor} pixels)` : '';
  throw new ModelError('size-not-supported', `${model}'s UNet was exported with a fixed ${name} shape [${fixed.join(', ')}]${pixels}; the request needs [${wanted.join(', ')}]`);
}

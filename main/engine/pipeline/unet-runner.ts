import type * as ort from 'onnxruntime-node';
import { inputShape, inputType, type LoadedModel } from '../model/loaded-model';
import { ModelError } from '../model/model-error';
import { makeTensor, readFloats } from '../onnx/tensors';
import type { PromptEmbedding } from './text-conditioning';

export interface UnetConditions {
  readonly cond: PromptEmbedding;
  /** Present for classifier-free guidance: both halves go through the UNet in one batch. */
  readonly uncond: PromptEmbedding | null;
  readonly guidanceScale: number;
  /** SDXL's micro-conditioning: original size, crop, target size. */
  readonly size: { readonly width: number; readonly height: number };
}

/**
 * Calls the UNet the way its export wants: element types and timestep shape
 * read from the session, SDXL's pooled inputs when it takes them, and both
 * guidance halves in one batch (split when the export fixed the batch at 1).
 * Returns the guided model output for one latent.
 */
export function unetCaller(model: LoadedModel, conditions: UnetConditions, latentShape: readonly [number, number, number]) {
  const { unet } = model;
  const [channels, h, w] = latentShape;
  const halves = conditions.uncond ? [conditions.uncond, conditions.cond] : [conditions.cond];
  const sampleShape = inputShape(unet, 'sample');
  const fixedBatch = typeof sampleShape?.[0] === 'number' ? sampleShape[0] : null;
  checkStaticShape(sampleShape, [fixedBatch ?? halves.length, channels, h, w], 'sample', model.folder.name);
  const contextWidth = inputShape(unet, 'encoder_hidden_states')?.[2];
  if (typeof contextWidth === 'number' && contextWidth !== conditions.cond.width) {
    throw new ModelError('unsupported-io', `The UNet expects ${contextWidth}-wide text embeddings but the text encoder gives ${conditions.cond.width}`);
  }
  const batchPerRun = fixedBatch ?? halves.length;
  if (halves.length % batchPerRun !== 0) throw new ModelError('size-not-supported', `The UNet was exported for batch ${batchPerRun}, which cannot run ${halves.length} guidance halves`);

  const sampleType = inputType(unet, 'sample');
  const timestepType = inputType(unet, 'timestep');
  const timestepDims = inputShape(unet, 'timestep');
  const contextType = inputType(unet, 'encoder_hidden_states');
  const pooled = unet.inputs.has('text_embeds');
  const outputName = unet.outputs[0]!;
  const perLatent = channels * h * w;

  return async (scaledInput: Float32Array, timestep: number): Promise<Float32Array> => {
    const outputs: Float32Array[] = [];
    for (let start = 0; start < halves.length; start += batchPerRun) {
      const group = halves.slice(start, start + batchPerRun);
      const n = group.length;
      const sample = new Float32Array(n * perLatent);
      for (let i = 0; i < n; i++) sample.set(scaledInput, i * perLatent);
      const positions = group[0]!.positions;
      const context = new Float32Array(n * positions * group[0]!.width);
      group.forEach((half, i) => context.set(half.hidden, i * half.hidden.length));
      const timestepCount = timestepDims?.length === 1 && timestepDims[0] === 1 ? 1 : n;
      const feeds: Record<string, ort.Tensor> = {
        sample: makeTensor(sampleType, sample, [n, channels, h, w]),
        timestep: makeTensor(timestepType, new Array<number>(timestepCount).fill(timestep), timestepDims?.length === 0 ? [] : [timestepCount]),
        encoder_hidden_states: makeTensor(contextType, context, [n, positions, group[0]!.width]),
      };
      if (pooled) {
        const width = group[0]!.pooled?.length ?? 0;
        if (width === 0) throw new ModelError('unsupported-io', 'The UNet takes text_embeds but no text encoder gave a pooled embedding');
        const embeds = new Float32Array(n * width);
        group.forEach((half, i) => embeds.set(half.pooled!, i * width));
        const { width: W, height: H } = conditions.size;
        const ids = new Array<number>(n).fill(0).flatMap(() => [H, W, 0, 0, H, W]);
        feeds.text_embeds = makeTensor(inputType(unet, 'text_embeds'), embeds, [n, width]);
        feeds.time_ids = makeTensor(inputType(unet, 'time_ids'), ids, [n, 6]);
      }
      const result = await unet.session.run(feeds);
      outputs.push(readFloats(result[outputName]!));
    }
    const all = outputs.length === 1 ? outputs[0]! : Float32Array.from(outputs.flatMap((o) => Array.from(o)));
    if (!conditions.uncond) return all.slice(0, perLatent);
    // eps = eps_uncond + s (eps_cond - eps_uncond) (Ho & Salimans 2022)
    const guided = new Float32Array(perLatent);
    const s = conditions.guidanceScale;
    for (let k = 0; k < perLatent; k++) guided[k] = all[k]! + s * (all[perLatent + k]! - all[k]!);
    return guided;
  };
}

/** A static export fits one size only: say which, in pixels, rather than let onnxruntime fail obscurely. */
function checkStaticShape(declared: readonly (number | string)[] | null, wanted: readonly number[], name: string, model: string): void {
  if (!declared) return;
  const mismatch = declared.some((d, i) => typeof d === 'number' && d !== wanted[i]);
  if (!mismatch) return;
  const fixed = declared.map((d) => (typeof d === 'number' ? d : '?'));
  const pixels = typeof declared[2] === 'number' && typeof declared[3] === 'number' ? ` (${Number(declared[3]) * 8}x${Number(declared[2]) * 8} pixels)` : '';
  throw new ModelError('size-not-supported', `${model}'s UNet was exported with a fixed ${name} shape [${fixed.join(', ')}]${pixels}; the request needs [${wanted.join(', ')}]`);
}

import type * as ort from 'onnxruntime-node';
import type { ParsedConditioning } from '../../../app/contract/conditioning';
import type { AestheticScores } from '../../../app/contract/generation';
import { maskInput, pwwInput, PWW_SCALE_INPUT } from '../graph/attention-bias';
import type { LoadedModel } from '../model/loaded-model';
import { makeTensor, readFloats } from '../onnx/tensors';
import { denoisedFrom, modelDenoiser, scaleInput } from '../sampling/denoiser';
import type { Denoiser } from '../sampling/samplers';
import { tokensInRange } from '../../../app/text/prompt-chunks';
import { chunksNeeded, encodePromptTo, maxContextChunks, type EncodedPrompts, type PromptEmbedding } from '../pipeline/text-conditioning';
import { unetCaller, type UnetConditions } from '../pipeline/unet-runner';
import { downsample, type LatentMask } from './masks';
import { phraseOccurrences } from '../../../app/domain/phrases';
import type { ConditioningPlan, RegionalPrompt } from './plan';
import { spatialPath, wantsAttention, type SpatialMethod } from './spatial-path';

/** InvokeAI's regional guidance masks attention outside a region with this logit. */
const MASKED = -10000;

export interface SpatialSetup {
  readonly model: LoadedModel;
  readonly prompts: EncodedPrompts;
  readonly plan: ConditioningPlan | null;
  readonly mode: ParsedConditioning['regionalMode'];
  readonly pwwStrength: number;
  readonly guidanceScale: number;
  readonly size: { readonly width: number; readonly height: number };
  readonly aesthetic?: AestheticScores;
  readonly latent: readonly [number, number, number];
  readonly timestepOf: (sigma: number) => number;
  readonly cacheDir: string;
  /** Receives the cross-attention maps of every UNet run (measuring only: it loads the variant that outputs them). */
  readonly onAttention?: AttentionObserver;
}

/**
 * A UNet run's cross-attention probabilities of the conditional prompt, per layer: `heads` blocks of
 * [queries, keys], queries being the layer's positions (latent size / factor, row-major).
 */
export type AttentionObserver = (maps: readonly { readonly factor: number; readonly probabilities: Float32Array; readonly queries: number; readonly keys: number }[]) => void;

/**
 * The denoiser of a run, with its spatial conditioning applied on the path
 * spatialPath chose (spatial-path.ts): painted phrases as attention biases in
 * the attention-biased UNet (eDiff-I paint-with-words), region prompts as hard
 * attention masks over the prompts' concatenated embeddings (one UNet pass),
 * or by latent composition (MultiDiffusion: one batched UNet pass per region
 * prompt, denoised estimates averaged by mask).
 */
export async function spatialDenoiser(setup: SpatialSetup): Promise<{ denoise: Denoiser; method: SpatialMethod; reason: string; warnings: string[] }> {
  const { model, prompts, plan } = setup;
  const prediction = model.folder.scheduler.prediction;
  const plain = (conditions: UnetConditions) => {
    const call = unetCaller(model, conditions, setup.latent);
    return modelDenoiser(async (input, t, sigma) => (await call(input, t, sigma))[0]!, prediction, setup.timestepOf);
  };
  const base: UnetConditions = { conds: [prompts.cond], uncond: prompts.uncond, guidanceScale: setup.guidanceScale, size: setup.size, ...(setup.aesthetic ? { aesthetic: setup.aesthetic } : {}) };
  const regions = plan ?? { bindings: [], regional: [] };
  const biased = wantsAttention(regions, setup.mode) ? await model.biasedUnet(setup.cacheDir, setup.onAttention !== undefined) : null;
  const baseChunks = prompts.cond.positions / model.tokenizers[0]!.maxLength;
  const path = spatialPath({
    ...regions,
    mode: setup.mode,
    patched: biased,
    fitsSideBySide: (regional) => baseChunks + regional.reduce((sum, r) => sum + chunksNeeded(model, r.prompt), 0) <= maxContextChunks(model),
  });
  const warnings = [...(biased?.ok && biased.cacheProblem ? [biased.cacheProblem] : []), ...path.warnings];
  const done = (denoise: Denoiser) => ({ denoise, method: path.method, reason: path.reason, warnings });
  if (path.method === 'none') return done(plain(base));
  if (path.method === 'latent-composition' || !biased?.ok) return done(await composed(setup, path.composed, plain(base), warnings, true));

  const regionEmbeddings = await Promise.all(path.masked.map((r) => encodePromptTo(model, r.prompt, chunksNeeded(model, r.prompt))));
  const cond = concatenate([prompts.cond, ...regionEmbeddings]);
  const uncond = prompts.uncond ? concatenate([prompts.uncond, ...(await Promise.all(regionEmbeddings.map((e) => encodePromptTo(model, '', e.positions / model.tokenizers[0]!.maxLength))))]) : null;
  const bias = attentionBias({ setup, painted: path.painted, masked: path.masked, regionEmbeddings, tokens: cond.positions, uncondTokens: prompts.uncond?.positions ?? 0, factors: biased.factors, warnings });
  const observe = setup.onAttention;
  const condRow = uncond ? 1 : 0;
  const onOutputs = observe
    ? (outputs: Readonly<Record<string, ort.Tensor>>, start: number, count: number) => {
        if (condRow < start || condRow >= start + count) return;
        observe(
          biased.layers.flatMap((l) => {
            const tensor = l.attentionOutput ? outputs[l.attentionOutput] : undefined;
            if (!tensor) return [];
            // Rows lead the tensor whether heads have their own axis or are folded into the batch.
            const all = readFloats(tensor);
            const perRow = all.length / count;
            const probabilities = all.slice((condRow - start) * perRow, (condRow - start + 1) * perRow);
            return [{ factor: l.factor, probabilities, queries: tensor.dims.at(-2)!, keys: tensor.dims.at(-1)! }];
          }),
        );
      }
    : undefined;
  const denoise = plain({ ...base, conds: [cond], uncond, part: biased.part, extraFeeds: bias, ...(onOutputs ? { onOutputs } : {}) });
  return done(path.composed.length > 0 ? await composed(setup, path.composed, denoise, warnings) : denoise);
}

/**
 * Latent composition (MultiDiffusion, Bar-Tal et al. 2023): the background
 * prompt and each region prompt denoise the same latent in one batch; the
 * estimates are averaged with the regions' masks as weights (the background
 * fills what no region covers).
 */
async function composed(setup: SpatialSetup, regional: readonly RegionalPrompt[], background: Denoiser, warnings: string[], batchBackground = false): Promise<Denoiser> {
  const { model, prompts } = setup;
  const maxLength = model.tokenizers[0]!.maxLength;
  const chunks = Math.max(prompts.cond.positions / maxLength, ...regional.map((r) => chunksNeeded(model, r.prompt)));
  const limit = maxContextChunks(model);
  if (chunks > limit) warnings.push('A region prompt is longer than the UNet\'s fixed context; it was cut');
  const windows = Math.min(chunks, limit);
  const embeddings = await Promise.all(regional.map((r) => encodePromptTo(model, r.prompt, windows)));
  const pad = async (e: PromptEmbedding | null) => (e && e.positions / maxLength < windows ? concatenate([e, await encodePromptTo(model, '', windows - e.positions / maxLength)]) : e);
  const conds = batchBackground ? [(await pad(prompts.cond))!, ...embeddings] : embeddings;
  const call = unetCaller(model, { conds, uncond: await pad(prompts.uncond), guidanceScale: setup.guidanceScale, size: setup.size, ...(setup.aesthetic ? { aesthetic: setup.aesthetic } : {}) }, setup.latent);
  const [, h, w] = setup.latent;
  const plane = h * w;
  const weights = regional.map((r) => r.mask.data.map((m) => m * r.strength));
  const covered = new Float32Array(plane);
  for (const r of regional) for (let p = 0; p < plane; p++) covered[p] = Math.min(1, covered[p]! + r.mask.data[p]!);
  const backgroundWeight = covered.map((c) => 1 - c + 1e-4);
  const prediction = model.folder.scheduler.prediction;
  return async (x, sigma) => {
    const outputs = await call(scaleInput(x, sigma), setup.timestepOf(sigma), sigma);
    const estimates = outputs.map((out) => denoisedFrom(x, sigma, out, prediction));
    const backgroundEstimate = batchBackground ? estimates.shift()! : await background(x, sigma);
    const result = new Float32Array(x.length);
    for (let k = 0; k < x.length; k++) {
      const p = k % plane;
      let sum = backgroundWeight[p]! * backgroundEstimate[k]!;
      let total = backgroundWeight[p]!;
      estimates.forEach((estimate, r) => {
        sum += weights[r]![p]! * estimate[k]!;
        total += weights[r]![p]!;
      });
      result[k] = sum / total;
    }
    return result;
  };
}

/** Token rows side by side: a longer context that cross-attention reads as one. */
function concatenate(parts: readonly PromptEmbedding[]): PromptEmbedding {
  const width = parts[0]!.width;
  const hidden = new Float32Array(parts.reduce((n, p) => n + p.hidden.length, 0));
  let offset = 0;
  for (const p of parts) {
    hidden.set(p.hidden, offset);
    offset += p.hidden.length;
  }
  return { hidden, positions: hidden.length / width, width, pooled: parts[0]!.pooled };
}

/**
 * The bias inputs of the patched UNet for a whole run. Rows are the guidance
 * batch: unconditional first (no paint, and masked off the padding that keeps
 * its context as long as the conditional one), conditional last.
 */
function attentionBias({ setup, painted, masked, regionEmbeddings, tokens, uncondTokens, factors, warnings }: {
  readonly setup: SpatialSetup;
  readonly painted: ConditioningPlan['bindings'];
  readonly masked: readonly RegionalPrompt[];
  readonly regionEmbeddings: readonly PromptEmbedding[];
  /** Context positions of the conditional row (the prompt and the masked region prompts side by side), and of the unconditional prompt before its padding. */
  readonly tokens: number;
  readonly uncondTokens: number;
  readonly factors: readonly number[];
  readonly warnings: string[];
}): (sigma: number, start: number, count: number) => Record<string, ort.Tensor> {
  const [, h, w] = setup.latent;
  const rows = setup.prompts.uncond ? 2 : 1;
  const condRow = rows - 1;
  const maxLength = setup.model.tokenizers[0]!.maxLength;
  const promptTokens = setup.prompts.tokens.tokens;
  const paints = painted.map((b) => {
    const occurrences = phraseOccurrences(setup.plan!.prompt, b.phrase);
    const positions = occurrences.flatMap((o) => tokensInRange(promptTokens, o.start, o.end)).map((t) => t.chunk * maxLength + t.position).filter((p) => p < setup.prompts.cond.positions);
    if (positions.length === 0) warnings.push(`"${b.phrase}" fell outside the part of the prompt the UNet reads; it paints nothing`);
    return { positions, mask: b.mask, strength: b.strength };
  });
  const regionSpans: { start: number; end: number; mask: LatentMask }[] = [];
  let offset = setup.prompts.cond.positions;
  masked.forEach((r, i) => {
    const length = regionEmbeddings[i]!.positions;
    regionSpans.push({ start: offset, end: offset + length, mask: r.mask });
    offset += length;
  });

  const perFactor = factors.map((f) => {
    const size = downsample({ width: w, height: h, data: new Float32Array(w * h) }, f);
    const positions = size.width * size.height;
    const pww = new Float32Array(rows * positions * tokens);
    const mask = new Float32Array(rows * positions * tokens);
    const cond = condRow * positions * tokens;
    for (const paint of paints) {
      const m = downsample(paint.mask, f).data;
      for (let q = 0; q < positions; q++) for (const t of paint.positions) pww[cond + q * tokens + t]! += paint.strength * m[q]!;
    }
    for (const span of regionSpans) {
      const m = downsample(span.mask, f).data;
      for (let q = 0; q < positions; q++) if (m[q]! < 0.5) for (let t = span.start; t < span.end; t++) mask[cond + q * tokens + t] = MASKED;
    }
    if (rows === 2) for (let q = 0; q < positions; q++) for (let t = uncondTokens; t < tokens; t++) mask[q * tokens + t] = MASKED;
    return { f, positions, pww, mask };
  });

  return (sigma, start, count) => {
    // eDiff-I: w' log(1 + sigma), strongest early, fading as the image settles.
    const feeds: Record<string, ort.Tensor> = { [PWW_SCALE_INPUT]: makeTensor('float32', [setup.pwwStrength * Math.log1p(sigma)], [1]) };
    const rowsOf = (all: Float32Array, positions: number) => {
      if (start === 0 && count === rows) return all;
      const size = positions * tokens;
      const out = new Float32Array(count * size);
      // A fixed-batch export's extra rows repeat the last prompt (unet-runner.ts), so they take its bias too.
      for (let i = 0; i < count; i++) {
        const row = Math.min(start + i, rows - 1);
        out.set(all.subarray(row * size, (row + 1) * size), i * size);
      }
      return out;
    };
    for (const { f, positions, pww, mask } of perFactor) {
      feeds[pwwInput(f)] = makeTensor('float32', rowsOf(pww, positions), [count, positions, tokens]);
      feeds[maskInput(f)] = makeTensor('float32', rowsOf(mask, positions), [count, positions, tokens]);
    }
    return feeds;
  };
}

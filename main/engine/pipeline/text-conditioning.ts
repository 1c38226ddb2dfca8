import type * as ort from 'onnxruntime-node';
import { inputShape, inputType, type LoadedModel, type Part } from '../model/loaded-model';
import { makeTensor, readFloats } from '../onnx/tensors';
import { chunkPrompt, type ChunkedPrompt, type PromptChunk } from '../../../app/text/prompt-chunks';

/** A prompt as the UNet's cross-attention sees it: one row of `width` per token position. */
export interface PromptEmbedding {
  readonly hidden: Float32Array;
  readonly positions: number;
  readonly width: number;
  /** SDXL's pooled text embedding (from the encoder with a projection). */
  readonly pooled: Float32Array | null;
}

export interface EncodedPrompts {
  readonly cond: PromptEmbedding;
  readonly uncond: PromptEmbedding | null;
  /** The prompt's tokens and chunks (paint-with-words binds regions to them). */
  readonly tokens: ChunkedPrompt;
  readonly warnings: string[];
}

/**
 * Encodes prompt and negative prompt in 75-token chunks (A1111/ComfyUI),
 * applies `(word:1.2)` weights, and pads the shorter side with empty chunks so
 * both halves of the guidance batch have the same length. A UNet exported with
 * a fixed 77-token context gets the first chunk only, and the result says so.
 */
export async function encodePrompts(model: LoadedModel, prompt: string, negative: string, guidance: boolean): Promise<EncodedPrompts> {
  const warnings: string[] = [];
  const primary = model.tokenizers[0]!;
  const condChunks = chunkForModel(model, prompt);
  const uncondChunks = guidance ? chunkForModel(model, negative) : null;

  const maxChunks = maxContextChunks(model);
  let chunks = Math.max(condChunks[0]!.chunks.length, uncondChunks?.[0]!.chunks.length ?? 0);
  if (chunks > maxChunks) {
    const perChunk = primary.maxLength - 2;
    warnings.push(`The prompt needs ${chunks * perChunk} tokens but this UNet was exported for ${maxChunks * perChunk}; the rest was cut off`);
    chunks = maxChunks;
  }
  const cond = await encodeChunks(model, condChunks, chunks);
  const uncond = !uncondChunks ? null : negative === '' && zerosForEmptyNegative(model) ? zerosLike(cond) : await encodeChunks(model, uncondChunks, chunks);
  return { cond, uncond, tokens: condChunks[0]!, warnings };
}

/**
 * diffusers' SDXL pipelines zero the negative embeddings (and pooled ones)
 * when no negative prompt is given, unless model_index.json sets
 * `force_zeros_for_empty_prompt` false (as the SDXL refiner ships); their
 * default is true. A1111 and ComfyUI encode "" instead. SD 1/2 pipelines
 * have no such setting and always encode "".
 */
function zerosForEmptyNegative(model: LoadedModel): boolean {
  return model.family.textLayer === 'penultimate' && model.folder.forceZerosForEmptyPrompt !== false;
}

function zerosLike(embedding: PromptEmbedding): PromptEmbedding {
  return { ...embedding, hidden: new Float32Array(embedding.hidden.length), pooled: embedding.pooled ? new Float32Array(embedding.pooled.length) : null };
}

/** How many 77-token windows the UNet's context input allows (Infinity when dynamic). */
export function maxContextChunks(model: LoadedModel): number {
  const contextDim = inputShape(model.unet, 'encoder_hidden_states')?.[1];
  return typeof contextDim === 'number' ? Math.max(1, Math.floor(contextDim / model.tokenizers[0]!.maxLength)) : Infinity;
}

/** Chunks `text` for every tokenizer of the model. */
function chunkForModel(model: LoadedModel, text: string): ChunkedPrompt[] {
  return model.tokenizers.map((t) => chunkPrompt(t.tokenizer, text, { padId: t.padId, length: t.maxLength }));
}

/** One prompt (a region's own) encoded to exactly `chunks` windows: padded with empty ones, or cut. */
export async function encodePromptTo(model: LoadedModel, text: string, chunks: number): Promise<PromptEmbedding> {
  return encodeChunks(model, chunkForModel(model, text), chunks);
}

/** How many windows a prompt needs. */
export function chunksNeeded(model: LoadedModel, text: string): number {
  return chunkForModel(model, text)[0]!.chunks.length;
}

async function encodeChunks(model: LoadedModel, perTokenizer: readonly ChunkedPrompt[], count: number): Promise<PromptEmbedding> {
  const penultimate = model.family.textLayer === 'penultimate';
  const parts: { hidden: Float32Array; width: number }[] = [];
  let pooled: Float32Array | null = null;
  for (const [index, encoder] of model.textEncoders.entries()) {
    const tokenizer = model.tokenizers[index] ?? model.tokenizers[0]!;
    const prompt = perTokenizer[index] ?? perTokenizer[0]!;
    const rows: Float32Array[] = [];
    let width = 0;
    for (let c = 0; c < count; c++) {
      const chunk = prompt.chunks[c] ?? emptyChunk(tokenizer.tokenizer.startId, tokenizer.tokenizer.endId, tokenizer.padId, tokenizer.maxLength);
      const out = await runEncoder(encoder, chunk, penultimate);
      width = out.width;
      rows.push(applyWeights(out.hidden, chunk.weights, width));
      // The encoder with a projection gives the pooled embedding (SDXL's second; the refiner's only one).
      if (c === 0 && out.pooled) pooled = out.pooled;
    }
    parts.push({ hidden: concat(rows), width });
  }
  const positions = parts[0]!.hidden.length / parts[0]!.width;
  if (parts.length === 1) return { hidden: parts[0]!.hidden, positions, width: parts[0]!.width, pooled };
  // SDXL: both encoders' hidden states side by side at every position.
  const width = parts.reduce((sum, p) => sum + p.width, 0);
  const hidden = new Float32Array(positions * width);
  for (let p = 0; p < positions; p++) {
    let offset = 0;
    for (const part of parts) {
      hidden.set(part.hidden.subarray(p * part.width, (p + 1) * part.width), p * width + offset);
      offset += part.width;
    }
  }
  return { hidden, positions, width, pooled };
}

function emptyChunk(startId: number, endId: number, padId: number, length: number): PromptChunk {
  const ids = [startId, endId, ...new Array<number>(length - 2).fill(padId)];
  return { ids, weights: new Array<number>(length).fill(1), sources: new Array<null>(length).fill(null) };
}

async function runEncoder(part: Part, chunk: PromptChunk, penultimate: boolean): Promise<{ hidden: Float32Array; width: number; pooled: Float32Array | null }> {
  const inputName = [...part.inputs.keys()][0]!;
  const feeds: Record<string, ort.Tensor> = { [inputName]: makeTensor(inputType(part, inputName), chunk.ids, [1, chunk.ids.length]) };
  const outputs = await part.session.run(feeds);
  const hiddenStates = part.outputs.filter((name) => /^hidden_states\.\d+$/.test(name)).sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
  const hiddenName = penultimate && hiddenStates.length >= 2 ? hiddenStates.at(-2)! : part.outputs.includes('last_hidden_state') ? 'last_hidden_state' : part.outputs[0]!;
  const hiddenTensor = outputs[hiddenName]!;
  const width = hiddenTensor.dims.at(-1)!;
  const pooledName = part.outputs.includes('text_embeds') ? 'text_embeds' : null;
  return { hidden: readFloats(hiddenTensor), width, pooled: pooledName ? readFloats(outputs[pooledName]!) : null };
}

/** A1111's emphasis: scale each position by its weight, then restore the chunk's original mean. */
function applyWeights(hidden: Float32Array, weights: readonly number[], width: number): Float32Array {
  if (weights.every((w) => w === 1)) return hidden;
  const mean = (values: Float32Array) => values.reduce((sum, v) => sum + v, 0) / values.length;
  const before = mean(hidden);
  const weighted = hidden.map((v, i) => v * weights[Math.floor(i / width)]!);
  const after = mean(weighted);
  return after === 0 ? weighted : weighted.map((v) => (v * before) / after);
}

function concat(rows: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(rows.reduce((n, r) => n + r.length, 0));
  let offset = 0;
  for (const row of rows) {
    out.set(row, offset);
    offset += row.length;
  }
  return out;
}

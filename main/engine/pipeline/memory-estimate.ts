import { totalmem } from 'node:os';
import type { FamilyId } from '../../../app/contract/generation';
import type { ExecutionProviderName } from '../../../app/contract/providers';
import { ModelError } from '../model/model-error';
import { inputType, type LoadedModel } from '../model/loaded-model';
import { formatBytes } from '../../../app/domain/units';

/**
 * Where each family's UNet first runs self-attention: how much it has
 * downsampled the latent there and with how many heads. SD 1.x: 8 heads at
 * full latent size; SD 2.x: head width 64 over 320 channels, 5 heads; SDXL:
 * no attention at full size, 10 heads at half (the refiner 12). The VAE's own factor (8 for
 * SD's) comes on top.
 */
const FIRST_ATTENTION: Readonly<Record<FamilyId, { readonly downsample: number; readonly heads: number }>> = {
  sd1: { downsample: 1, heads: 8 },
  lcm: { downsample: 1, heads: 8 },
  sd2: { downsample: 1, heads: 5 },
  'sd-turbo': { downsample: 1, heads: 5 },
  sdxl: { downsample: 2, heads: 10 },
  'sdxl-turbo': { downsample: 2, heads: 10 },
  // The refiner's first attention is at half size too, over 768 channels in heads of 64.
  'sdxl-refiner': { downsample: 2, heads: 12 },
};

/** No single device holds more than this; GPUs' own memory cannot be read from here, so it bounds them. */
const LARGEST_DEVICE = 256 * 2 ** 30;

/**
 * How many attention-score-sized tensors an unfused UNet run holds at its
 * peak (the scores, their scaled copy, the softmax, and what onnxruntime's
 * arena rounds up to), calibrated on issue #22's measurement: an SD
 * 1.5-shaped UNet (3.4 GB of fp32 weights, 4.1 GB with its encoder and VAE)
 * at 512x512 on CPU peaked at 11.2 GiB, of which the VAE decode and the
 * convolutions take about 0.55 GiB.
 */
const ATTENTION_COPIES = 6.8;
/** Tensors of the VAE decoder's last block (128 channels at full size) alive at once. */
const VAE_LIVE_TENSORS = 4;
const VAE_LAST_CHANNELS = 128;
/** The UNet's skip connections held for its way up, in channels at the latent's size (SD's: 320·3 at full size, 640·3 at half, 1280·3 at a quarter…). */
const UNET_SKIP_CHANNELS = 1500;

export interface MemoryCheck {
  readonly family: FamilyId;
  readonly width: number;
  readonly height: number;
  /** Rows the UNet runs at once: 2 with classifier-free guidance. */
  readonly batch: number;
  readonly bytesPerElement: 2 | 4;
  /** Pixels per latent pixel along a side (the VAE's factor; 8 unless the model says otherwise). */
  readonly vaeFactor?: number;
  readonly provider: ExecutionProviderName;
  /** The bytes of the model's weights (its parts' files), held for the whole run. */
  readonly weightsBytes: number;
  /** The memory there is; the machine's RAM unless a test says otherwise. */
  readonly available?: number;
}

/** Bytes of the largest attention score tensor, [batch·heads, tokens, tokens]: what runs out first as images grow. */
export function attentionBytes({ family, width, height, batch, bytesPerElement, vaeFactor = 8 }: Omit<MemoryCheck, 'provider' | 'weightsBytes'>): number {
  const { heads } = FIRST_ATTENTION[family];
  const downsample = FIRST_ATTENTION[family].downsample * vaeFactor;
  const tokens = Math.ceil(width / downsample) * Math.ceil(height / downsample);
  return batch * heads * tokens * tokens * bytesPerElement;
}

/** What a run needs: the weights, and what the run itself holds at its peak (attention, skip connections, the VAE decode). */
export function estimateRunBytes(check: Omit<MemoryCheck, 'provider' | 'available'>): { readonly weights: number; readonly run: number } {
  const latentPixels = Math.ceil(check.width / (check.vaeFactor ?? 8)) * Math.ceil(check.height / (check.vaeFactor ?? 8));
  const run = ATTENTION_COPIES * attentionBytes(check) + check.batch * latentPixels * UNET_SKIP_CHANNELS * check.bytesPerElement + VAE_LIVE_TENSORS * VAE_LAST_CHANNELS * check.width * check.height * check.bytesPerElement;
  return { weights: check.weightsBytes, run: Math.round(run) };
}

/** The memory a run may use: the machine's RAM on CPU; on a GPU, whose own memory cannot be read here, a bound no device exceeds. */
export const availableFor = (provider: ExecutionProviderName, available?: number) => available ?? (provider === 'cpu' ? totalmem() : Math.max(totalmem(), LARGEST_DEVICE));

/** The largest square side (a multiple of 64) whose run fits, or null when the weights alone do not. */
export function largestSquareThatFits(check: MemoryCheck): number | null {
  const available = availableFor(check.provider, check.available);
  let side: number | null = null;
  for (let s = 64; s <= 4096; s += 64) {
    const { weights, run } = estimateRunBytes({ ...check, width: s, height: s });
    if (weights + run > available) break;
    side = s;
  }
  return side;
}

/**
 * Refuses, before anything runs, a run whose weights and peak activations
 * cannot fit in the memory there is, naming what it needs and the largest
 * square that fits; onnxruntime's own message would come minutes later, as
 * "Failed to allocate memory" or a killed process.
 */
export function checkFitsInMemory(check: MemoryCheck): void {
  const available = availableFor(check.provider, check.available);
  const { weights, run } = estimateRunBytes(check);
  if (weights + run <= available) return;
  const side = largestSquareThatFits(check);
  const where = check.provider === 'cpu' ? 'of memory this machine has' : 'any one device has';
  throw new ModelError(
    'size-not-supported',
    side === null
      ? `The model's weights alone (${formatBytes(weights)}) are more than the ${formatBytes(available)} ${where}`
      : `${check.width}x${check.height} needs about ${formatBytes(weights + run)} (${formatBytes(weights)} of weights, ${formatBytes(run)} for the run at this size), more than the ${formatBytes(available)} ${where}; sizes up to about ${side}x${side} fit`,
  );
}

/** checkFitsInMemory for a loaded model at a run's size and guidance. */
export function checkModelFits(model: LoadedModel, size: { readonly width: number; readonly height: number }, cfgScale: number): void {
  checkFitsInMemory({
    family: model.family.id,
    width: size.width,
    height: size.height,
    batch: model.family.guidance && cfgScale > 1 ? 2 : 1,
    bytesPerElement: inputType(model.unet, 'sample') === 'float16' ? 2 : 4,
    vaeFactor: model.folder.latent.factor,
    provider: model.unet.provider,
    weightsBytes: model.weightBytes,
  });
}

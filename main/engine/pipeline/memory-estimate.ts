import { totalmem } from 'node:os';
import type { FamilyId } from '../../../app/contract/generation';
import type { ExecutionProviderName } from '../../../app/contract/providers';
import { ModelError } from '../model/model-error';
import { inputType, type LoadedModel } from '../model/loaded-model';

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
  /** The memory there is; the machine's RAM unless a test says otherwise. */
  readonly available?: number;
}

/** Bytes of the largest attention score tensor, [batch·heads, tokens, tokens]: what runs out first as images grow. */
export function attentionBytes({ family, width, height, batch, bytesPerElement, vaeFactor = 8 }: Omit<MemoryCheck, 'provider'>): number {
  const { heads } = FIRST_ATTENTION[family];
  const downsample = FIRST_ATTENTION[family].downsample * vaeFactor;
  const tokens = Math.ceil(width / downsample) * Math.ceil(height / downsample);
  return batch * heads * tokens * tokens * bytesPerElement;
}

/**
 * Refuses, before anything runs, a size whose self-attention cannot fit in
 * the memory there is, naming the size, the memory it would need and the
 * largest square that fits; onnxruntime's own message would come minutes
 * later, as "Failed to allocate memory" or a killed process.
 */
export function checkFitsInMemory(check: MemoryCheck): void {
  const available = check.available ?? (check.provider === 'cpu' ? totalmem() : Math.max(totalmem(), LARGEST_DEVICE));
  const needed = attentionBytes(check);
  if (needed <= available) return;
  const { heads } = FIRST_ATTENTION[check.family];
  const downsample = FIRST_ATTENTION[check.family].downsample * (check.vaeFactor ?? 8);
  const side = Math.floor(Math.sqrt(Math.sqrt(available / (check.batch * heads * check.bytesPerElement))) * downsample / 64) * 64;
  const gb = (bytes: number) => `${(bytes / 2 ** 30).toFixed(bytes < 10 * 2 ** 30 ? 1 : 0)} GB`;
  throw new ModelError(
    'size-not-supported',
    `${check.width}x${check.height} needs about ${gb(needed)} for the UNet's self-attention alone, more than the ${gb(available)} ${check.provider === 'cpu' ? 'of memory this machine has' : 'any one device has'}; sizes up to about ${side}x${side} fit`,
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
  });
}

import type { FamilyId } from '../../app/contract/generation';
import type { MemoryEstimate } from '../../app/contract/studio';
import type { ExecutionProviderName } from '../../app/contract/providers';
import { readModelFolder, weightBytes } from '../engine/model/model-folder';
import { availableFor, estimateRunBytes, largestSquareThatFits } from '../engine/pipeline/memory-estimate';
import { readOnnxSignature } from './onnx-signature';

/**
 * What a run of a library model needs, before it loads: its weights (the
 * parts' files), the run's peak at the size (memory-estimate.ts), the memory
 * there is, and the largest square that fits. What the panel shows before a
 * run; the engine refuses by the same estimate.
 */
export async function estimateRunMemory(folder: string, family: FamilyId, run: { width: number; height: number; cfgScale: number; guidance: boolean }, provider: ExecutionProviderName): Promise<MemoryEstimate> {
  const model = await readModelFolder(folder);
  const sample = (await readOnnxSignature(model.parts.unet!)).inputs.find((i) => i.name === 'sample');
  const check = {
    family,
    width: run.width,
    height: run.height,
    batch: run.guidance && run.cfgScale > 1 ? 2 : 1,
    bytesPerElement: sample?.elementBytes ?? 4,
    vaeFactor: model.latent.factor,
    provider,
    weightsBytes: await weightBytes(model),
  };
  const { weights, run: runBytes } = estimateRunBytes(check);
  return { weightsBytes: weights, runBytes, availableBytes: availableFor(provider), largestSide: largestSquareThatFits(check), device: provider === 'cpu' ? 'ram' : 'device' };
}

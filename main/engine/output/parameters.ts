import { SAMPLER_LABELS, type ExpertReport, type SamplerName, type SigmaScheduleName } from '../../../app/contract/generation';

export interface ParameterFields {
  readonly prompt: string;
  readonly negativePrompt: string;
  readonly steps: number;
  readonly sampler: SamplerName;
  readonly schedule: SigmaScheduleName;
  readonly cfgScale: number;
  readonly seed: number;
  readonly width: number;
  readonly height: number;
  readonly model: string;
  readonly denoisingStrength?: number;
  /** The ensemble's denoisers, the run's own model first. */
  readonly experts?: readonly Pick<ExpertReport, 'model' | 'switchAt'>[];
}

/** A1111's field values cannot hold its separators. */
const fieldValue = (name: string) => name.replace(/[,:\n]/g, ' ');

/** The A1111 `parameters` text (prompt, "Negative prompt: …", then "Key: value" pairs) that other tools parse. */
export function a1111Parameters(p: ParameterFields): string {
  const sampler = `${SAMPLER_LABELS[p.sampler]}${p.schedule === 'karras' ? ' Karras' : ''}`;
  const pairs: [string, string | number][] = [
    ['Steps', p.steps],
    ['Sampler', sampler],
    ['CFG scale', p.cfgScale],
    ['Seed', p.seed],
    ['Size', `${p.width}x${p.height}`],
    ['Model', fieldValue(p.model)],
  ];
  if (p.denoisingStrength !== undefined) pairs.push(['Denoising strength', p.denoisingStrength]);
  // A1111 has one refiner, switched in at a fraction of the steps; further experts, or a switch at a sigma, are in Wordbrush's own record.
  const refiner = p.experts?.[1];
  if (refiner?.switchAt && 'fraction' in refiner.switchAt) pairs.push(['Refiner', fieldValue(refiner.model)], ['Refiner switch at', refiner.switchAt.fraction]);
  const lines = [p.prompt];
  if (p.negativePrompt) lines.push(`Negative prompt: ${p.negativePrompt}`);
  lines.push(pairs.map(([k, v]) => `${k}: ${v}`).join(', '));
  return lines.join('\n');
}

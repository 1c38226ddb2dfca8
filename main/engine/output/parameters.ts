import { SAMPLER_LABELS, type SamplerName, type SigmaScheduleName } from '../../../app/contract/generation';

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
}

/** The A1111 `parameters` text (prompt, "Negative prompt: …", then "Key: value" pairs) that other tools parse. */
export function a1111Parameters(p: ParameterFields): string {
  const sampler = `${SAMPLER_LABELS[p.sampler]}${p.schedule === 'karras' ? ' Karras' : ''}`;
  const pairs: [string, string | number][] = [
    ['Steps', p.steps],
    ['Sampler', sampler],
    ['CFG scale', p.cfgScale],
    ['Seed', p.seed],
    ['Size', `${p.width}x${p.height}`],
    ['Model', p.model.replace(/[,:\n]/g, ' ')],
  ];
  if (p.denoisingStrength !== undefined) pairs.push(['Denoising strength', p.denoisingStrength]);
  const lines = [p.prompt];
  if (p.negativePrompt) lines.push(`Negative prompt: ${p.negativePrompt}`);
  lines.push(pairs.map(([k, v]) => `${k}: ${v}`).join(', '));
  return lines.join('\n');
}

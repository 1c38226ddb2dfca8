import type { SwitchPoint } from '../../../app/contract/generation';
import type { LoadedModel } from '../model/loaded-model';
import { ModelError } from '../model/model-error';
import type { LatentGeometry } from '../model/model-folder';

/**
 * The denoisers of a run, the run's own model first and then its experts
 * (eDiff-I's ensemble of expert denoisers; the SDXL refiner). The engine
 * decides whether they are held together or one at a time; the pipeline
 * orders its work accordingly.
 */
export interface RunModels {
  readonly experts: readonly { readonly name: string; readonly switchAt: SwitchPoint }[];
  /** All held at once; otherwise getting one releases the others, so each is got once per run. */
  readonly together: boolean;
  /** Stage 0 is the run's own model, 1.. its experts; `loadMs` is what this call spent loading. */
  get(stage: number): Promise<{ readonly model: LoadedModel; readonly loadMs: number }>;
}

/** What must agree for two models to share one latent through a run. */
export interface LatentSpace {
  readonly name: string;
  readonly latent: LatentGeometry;
  /** Null where the folder does not say (the family's value then applies once loaded). */
  readonly scaling: number | null;
}

export const latentSpaceOf = (model: LoadedModel): LatentSpace => ({ name: model.folder.name, latent: model.folder.latent, scaling: model.vaeScalingFactor });

/**
 * Refuses, in words naming both models, an expert whose latents mean
 * something else: another channel count or VAE factor, or another scaling
 * (SD 1.5's 0.18215 against SDXL's 0.13025).
 */
export function checkSharedLatentSpace(first: LatentSpace, expert: LatentSpace): void {
  const geometry = (s: LatentSpace) => `${s.latent.channels} latent channels at 1/${s.latent.factor} of the image`;
  if (first.latent.channels !== expert.latent.channels || first.latent.factor !== expert.latent.factor) {
    throw new ModelError('incompatible-experts', `${expert.name} cannot continue ${first.name}'s image: it works in ${geometry(expert)}, ${first.name} in ${geometry(first)}`);
  }
  if (first.scaling !== null && expert.scaling !== null && Math.abs(first.scaling - expert.scaling) > 1e-6) {
    throw new ModelError('incompatible-experts', `${expert.name} cannot continue ${first.name}'s image: its VAE scales latents by ${expert.scaling}, ${first.name}'s by ${first.scaling} (they come from different model families)`);
  }
}

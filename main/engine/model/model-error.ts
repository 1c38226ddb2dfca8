/**
 * What can be wrong with a model or a request for it, in words a person can
 * act on. `code` lets callers (and the contract) tell the cases apart.
 */
export type ModelErrorCode =
  | 'not-a-model'
  | 'missing-part'
  | 'unreadable-part'
  | 'unsupported-io'
  | 'size-not-supported'
  | 'img2img-unavailable'
  | 'invalid-conditioning'
  /** The experts of an ensemble cannot share one latent: said before the run, naming both models. */
  | 'incompatible-experts'
  /** Where the results go cannot be written: said before anything runs. */
  | 'unwritable-output';

export class ModelError extends Error {
  constructor(
    readonly code: ModelErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ModelError';
  }
}

import type { ErrorCode } from '../../app/contract/wire';
import { StudioError } from '../../app/rpc/errors';

/** What can go wrong managing models; a StudioError, so its code and words reach the renderer and the CLI as they are. */
export type LibraryErrorCode = Extract<ErrorCode, 'unknown-model' | 'model-unusable' | 'model-exists' | 'model-in-use' | 'not-managed' | 'invalid-import' | 'download-failed' | 'disk-full'>;

export class LibraryError extends StudioError {
  declare readonly code: LibraryErrorCode;

  constructor(code: LibraryErrorCode, message: string) {
    super(code, message);
    this.name = 'LibraryError';
  }
}

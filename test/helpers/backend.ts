import { forkLauncher } from '../../main/core/inference-child';
import { createStudioBackend } from '../../main/core/studio-backend';
import { builtPaths } from './paths';

/** The real backend over the real, built inference process, as browser mode runs it. */
export function browserBackend() {
  return createStudioBackend({ mode: 'browser', version: '0.0.0-test', launchInference: forkLauncher(builtPaths.inference) });
}

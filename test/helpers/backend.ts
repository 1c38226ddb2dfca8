import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forkLauncher } from '../../main/core/inference-child';
import { createStudioBackend } from '../../main/core/studio-backend';
import { builtPaths, repoRoot } from './paths';

export const fixtureModels = join(repoRoot, 'models', 'fixtures');

/** The real backend over the real, built inference process, as browser mode runs it, with the fixture models and a fresh gallery. */
export function browserBackend(galleryDir = mkdtempSync(join(tmpdir(), 'wordbrush-gallery-'))) {
  return createStudioBackend({ mode: 'browser', version: '0.0.0-test', launchInference: forkLauncher(builtPaths.inference), modelDirs: [fixtureModels], galleryDir });
}

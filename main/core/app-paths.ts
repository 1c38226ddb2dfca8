import { join } from 'node:path';
import type { InferenceProgram } from './inference-child';

export interface AppPaths {
  /** The folder holding package.json (the app folder or app.asar when packaged). */
  readonly root: string;
  readonly rendererDir: string;
  readonly preload: string;
  readonly inference: InferenceProgram;
  /** The catalog of downloadable models (models/catalog.json). */
  readonly catalogFile: string;
}

/**
 * Where the built pieces live. `modelsRoot` differs once packaged: models are
 * an extra resource beside the asar, never inside it, so native code can read them.
 */
export function appPaths(root: string, version: string, modelsRoot: string = join(root, 'models')): AppPaths {
  return {
    root,
    rendererDir: join(root, 'dist', 'renderer'),
    preload: join(root, 'dist', 'main', 'preload.js'),
    inference: { script: join(root, 'dist', 'main', 'inference.js'), modelsDir: modelsRoot, appVersion: version },
    catalogFile: join(modelsRoot, 'catalog.json'),
  };
}

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { appPaths } from '../../main/core/app-paths';

export const repoRoot = resolve(__dirname, '..', '..');
export const builtPaths = appPaths(repoRoot, '0.0.0-test');

/** The tests that start processes need `npm run build` first; `npm test` does it. */
export function requireBuild(): void {
  for (const file of [builtPaths.inference.script, join(repoRoot, 'dist', 'main', 'serve.js'), join(builtPaths.rendererDir, 'index.html')]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first (npm test does)`);
  }
}

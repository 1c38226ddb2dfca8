import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { appPaths } from '../../main/core/app-paths';

export const repoRoot = resolve(__dirname, '..', '..');
const built = appPaths(repoRoot, '0.0.0-test');
/** The built app, with an inference process whose library cache lives in a temporary folder, never in the user's home. */
export const builtPaths = { ...built, inference: { ...built.inference, cacheDir: mkdtempSync(join(tmpdir(), 'wordbrush-cache-')) } };

/** The tests that start processes need `npm run build` first; `npm test` does it. */
export function requireBuild(): void {
  for (const file of [builtPaths.inference.script, join(repoRoot, 'dist', 'main', 'serve.js'), join(builtPaths.rendererDir, 'index.html')]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first (npm test does)`);
  }
}

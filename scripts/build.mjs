// Builds the three Node-side bundles (Electron main, preload, inference
// process, browser-mode server) with esbuild and the renderer with Vite.
import { build as esbuild } from 'esbuild';
import { build as vite } from 'vite';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  sourcemap: true,
  outdir: 'dist/main',
  logLevel: 'warning',
};

await Promise.all([
  // electron is provided by the runtime; npm packages stay in node_modules (onnxruntime-node is native).
  esbuild({
    ...common,
    packages: 'external',
    entryPoints: {
      'electron-main': 'main/shell/electron-main.ts',
      inference: 'main/inference/inference-main.ts',
      serve: 'main/server/serve.ts',
      cli: 'main/cli/cli.ts',
      'image-worker': 'main/images/image-worker.ts',
    },
  }),
  // The sandboxed preload may require nothing but electron's own modules, so it is self-contained.
  esbuild({ ...common, external: ['electron'], entryPoints: { preload: 'main/shell/preload.ts' } }),
  vite({ configFile: 'vite.config.mts', logLevel: 'warn' }),
]);

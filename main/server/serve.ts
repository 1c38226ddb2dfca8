import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { forkLauncher } from '../core/inference-child';
import { createStudioBackend } from '../core/studio-backend';
import { keepServingOnUncaughtErrors } from '../core/last-resort';
import { appPaths } from '../core/app-paths';
import { defaultDataDir, defaultLibrary, settingsFile } from '../core/data-dir';
import { SettingsStore } from '../core/settings-store';
import { startBrowserServer } from './browser-server';
import { isLoopback, parseServeArgs, SERVE_USAGE, ServeArgsError } from './serve-args';

/** `npm run serve`: the studio's main-side handlers in plain Node, the renderer in any browser. */
async function main(): Promise<void> {
  let options;
  try {
    options = parseServeArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof ServeArgsError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
  if (options === 'help') {
    console.log(SERVE_USAGE);
    return;
  }
  keepServingOnUncaughtErrors();
  const root = join(__dirname, '..', '..');
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const paths = appPaths(root, version);
  const dataDir = defaultDataDir();
  const settings = new SettingsStore(settingsFile(dataDir));
  const library = defaultLibrary(dataDir, paths.inference.modelsDir, settings.get().settings);
  if (settings.get().problem) console.warn(settings.get().problem);
  const galleryDir = options.gallery ? resolve(options.gallery) : library.galleryDir;
  const models = { ...library.models, readOnly: [...options.models.map((dir) => ({ dir: resolve(dir), kind: 'external' as const })), ...library.models.readOnly] };
  const backend = createStudioBackend({
    mode: 'browser',
    dataDir,
    version,
    launchInference: forkLauncher({ ...paths.inference, cacheDir: library.cacheDir }),
    models,
    galleryDir,
    catalogFile: paths.catalogFile,
    hubTokenFile: library.hubTokenFile,
    projectsDir: library.projectsDir,
    assetsDir: library.assetsDir,
    settings,
  });
  const server = await startBrowserServer({ backend, rendererDir: paths.rendererDir, galleryDir, host: options.host, port: options.port }).catch(async (error: NodeJS.ErrnoException) => {
    await backend.stop();
    if (error.code === 'EADDRINUSE') throw new Error(`Port ${options.port} on ${options.host} is in use: pick another with --port N (0 takes any free one)`);
    if (error.code === 'EADDRNOTAVAIL') throw new Error(`${options.host} is not an address of this machine`);
    throw error;
  });

  console.log(`Wordbrush is running in browser mode. Open:\n\n  ${server.url}\n`);
  console.log(`Models in ${[models.dir, ...models.readOnly.map((r) => r.dir)].join(', ')}; results go to ${galleryDir}`);
  if (!isLoopback(options.host)) {
    console.log(`Listening on ${options.host}: other machines can reach it, but only with the token in that URL.`);
  }
  const shutdown = () => {
    void Promise.all([server.close(), backend.stop()]).finally(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

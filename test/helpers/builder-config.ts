import { createRequire } from 'node:module';
import type { Configuration } from 'electron-builder';
import { repoRoot } from './paths';

// electron-builder's own loader and schema validator, as `electron-builder` runs them before a build.
const requireFromRepo = createRequire(`${repoRoot}/package.json`);
const { getConfig, validateConfiguration } = requireFromRepo('app-builder-lib/out/util/config/config') as {
  getConfig(projectDir: string, configPath: string | null, configFromOptions: Configuration | null): Promise<Configuration>;
  validateConfiguration(config: Configuration, debugLogger: unknown): Promise<void>;
};
const { DebugLogger, setPrinter } = requireFromRepo('builder-util') as { DebugLogger: new (enabled: boolean) => unknown; setPrinter(printer: (message: string) => void): void };
// electron-builder logs "loaded configuration" to stdout, which node's test runner reads as its own protocol.
setPrinter(() => undefined);

export async function loadBuilderConfig(configPath = 'electron-builder.yml'): Promise<Configuration> {
  const config = await getConfig(repoRoot, configPath, null);
  await validateConfiguration(config, new DebugLogger(false));
  return config;
}

export function validateBuilderConfig(config: Configuration): Promise<void> {
  return validateConfiguration(config, new DebugLogger(false));
}

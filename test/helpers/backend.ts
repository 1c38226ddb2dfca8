import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forkLauncher } from '../../main/core/inference-child';
import { createStudioBackend } from '../../main/core/studio-backend';
import { settingsFile } from '../../main/core/data-dir';
import { SettingsStore } from '../../main/core/settings-store';
import { builtPaths, repoRoot } from './paths';

export const fixtureModels = join(repoRoot, 'models', 'fixtures');

export interface TestBackendOptions {
  readonly galleryDir?: string;
  /** The user's library folder (a fresh temporary one unless given). */
  readonly libraryDir?: string;
  /** HF_ENDPOINT / HF_TOKEN as the backend sees them; never the machine's own. */
  readonly env?: NodeJS.ProcessEnv;
  readonly hubTokenFile?: string;
  readonly maxQueuedJobs?: number;
  readonly hangTimeoutMs?: number;
  /** The data folder (a fresh temporary one unless given); with `settings`, its settings.json is kept. */
  readonly dataDir?: string;
  readonly settings?: boolean;
  readonly projectsDir?: string;
}

/**
 * The real backend over the real, built inference process, as browser mode
 * runs it: the fixture models listed as a --models folder, an empty library
 * and a fresh gallery in temporary folders, quick hub retries.
 */
export function browserBackend({ galleryDir = temporary('gallery'), libraryDir = temporary('library'), env = {}, hubTokenFile = join(temporary('home'), 'hub-token'), maxQueuedJobs, hangTimeoutMs, dataDir = temporary('home'), settings = false, projectsDir = temporary('projects') }: TestBackendOptions = {}) {
  return createStudioBackend({
    mode: 'browser',
    dataDir,
    ...(settings ? { settings: new SettingsStore(settingsFile(dataDir)) } : {}),
    version: '0.0.0-test',
    launchInference: forkLauncher(builtPaths.inference),
    models: { dir: libraryDir, readOnly: [{ dir: fixtureModels, kind: 'external' }] },
    galleryDir,
    catalogFile: join(repoRoot, 'models', 'catalog.json'),
    hubTokenFile,
    projectsDir,
    assetsDir: temporary('assets'),
    env,
    hubRetry: { attempts: 4, baseDelayMs: 20 },
    ...(maxQueuedJobs ? { maxQueuedJobs } : {}),
    ...(hangTimeoutMs ? { hangTimeoutMs } : {}),
  });
}

export const temporary = (kind: string) => mkdtempSync(join(tmpdir(), `wordbrush-${kind}-`));

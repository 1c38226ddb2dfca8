import { homedir } from 'node:os';
import { join } from 'node:path';
import type { LibraryOptions } from '../models/model-library';

/**
 * Where the studio keeps the user's models and gallery: the same folder
 * Electron's `app.getPath('userData')` gives for "Wordbrush", so the desktop
 * app and browser mode share one library. WORDBRUSH_HOME overrides it.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: string = process.platform): string {
  if (env.WORDBRUSH_HOME) return env.WORDBRUSH_HOME;
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Wordbrush');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Wordbrush');
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'Wordbrush');
}

export interface Library {
  /** The user's models (managed) and the folders only read: the bundled starter model. */
  readonly models: LibraryOptions;
  readonly galleryDir: string;
  /** Derived files the studio can make again (patched UNet graphs). */
  readonly cacheDir: string;
  /** The stored hub token (encrypted under Electron, readable only by the user in browser mode). */
  readonly hubTokenFile: string;
  /** Saved projects and the autosave. */
  readonly projectsDir: string;
  /** Pictures the renderer uploaded (painted masks, start images), by content hash. */
  readonly assetsDir: string;
}

/** Where the studio's settings are kept. */
export const settingsFile = (dataDir: string) => join(dataDir, 'settings.json');

/**
 * The user's model folder and gallery (under the data folder unless the
 * settings move them), plus the bundled starter model when there is one.
 */
export function defaultLibrary(dataDir: string, bundledModels: string, moved: { libraryDir: string | null; galleryDir: string | null } = { libraryDir: null, galleryDir: null }): Library {
  return {
    models: { dir: moved.libraryDir ?? join(dataDir, 'models'), readOnly: [{ dir: join(bundledModels, 'starter'), kind: 'bundled' }] },
    galleryDir: moved.galleryDir ?? join(dataDir, 'gallery'),
    cacheDir: join(dataDir, 'cache'),
    hubTokenFile: join(dataDir, 'hub-token'),
    projectsDir: join(dataDir, 'projects'),
    assetsDir: join(dataDir, 'assets'),
  };
}

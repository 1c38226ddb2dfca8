import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DEFAULT_SETTINGS, StudioSettings, type SettingsChange } from '../../app/contract/settings';
import { writeAtomic } from '../files/write-atomic';
import { parseBoundedJson } from '../../app/domain/bounded-json';

export interface LoadedSettings {
  readonly settings: StudioSettings;
  /** Why the file was not used, when it could not be (the defaults stand in; the file is left for the user to see). */
  readonly problem: string | null;
}

/** Reads settings.json at start, synchronously, since the library's folders depend on it. A missing file is the defaults. */
export function loadSettings(file: string): LoadedSettings {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { settings: DEFAULT_SETTINGS, problem: null };
  }
  try {
    const parsed = StudioSettings.partial().safeParse(parseBoundedJson(text, { maxBytes: 1 << 20 }));
    if (parsed.success) return { settings: { ...DEFAULT_SETTINGS, ...parsed.data }, problem: null };
    return { settings: DEFAULT_SETTINGS, problem: `${file} has settings the studio cannot use (${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}); the defaults apply` };
  } catch (error) {
    return { settings: DEFAULT_SETTINGS, problem: `${file} ${(error as Error).message}; the defaults apply` };
  }
}

/** The settings main keeps: validated on every change, written atomically. */
export class SettingsStore {
  private current: LoadedSettings;

  constructor(private readonly file: string) {
    this.current = loadSettings(file);
  }

  get(): LoadedSettings {
    return this.current;
  }

  async update(change: SettingsChange): Promise<LoadedSettings> {
    const settings = StudioSettings.parse({ ...this.current.settings, ...change });
    await mkdir(dirname(this.file), { recursive: true });
    await writeAtomic(this.file, JSON.stringify(settings, null, 2));
    this.current = { settings, problem: null };
    return this.current;
  }
}

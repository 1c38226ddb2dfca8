import { z } from 'zod';
import { ExecutionProviderName } from './providers';

const absoluteFolder = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\'), 'Give a full path (starting at / or a drive letter)');

/** The studio's settings, kept by main in settings.json beside the library. */
export const StudioSettings = z.object({
  /** Where the model library lives; null: the data folder's models/. Applies from the next start. */
  libraryDir: absoluteFolder.nullable(),
  /** Where results go; null: the data folder's gallery/. Applies from the next start. */
  galleryDir: absoluteFolder.nullable(),
  /** The execution provider a run uses when it names none; null: the best the probe found. */
  defaultProvider: ExecutionProviderName.nullable(),
  theme: z.enum(['dark', 'light', 'system']),
  /** How long after the last edit the open project is saved on its own. */
  autosaveSeconds: z.number().int().min(2).max(600),
});
export type StudioSettings = z.infer<typeof StudioSettings>;

export const DEFAULT_SETTINGS: StudioSettings = { libraryDir: null, galleryDir: null, defaultProvider: null, theme: 'dark', autosaveSeconds: 5 };

export const SettingsChange = StudioSettings.partial().strict();
export type SettingsChange = z.infer<typeof SettingsChange>;

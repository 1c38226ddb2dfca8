import { z } from 'zod';
import { SamplerName, SigmaScheduleName } from './generation';

/** A result's name in the gallery: its file name without ".png". Paths never reach the renderer. */
export const GalleryId = z.string().min(1).max(200).regex(/^[\w][\w.() -]*$/, 'A gallery id is a file name without its folder');
export type GalleryId = z.infer<typeof GalleryId>;

/** The gallery folder's hidden folders: live-mode results (only the last few runs' kept) and the strip's small copies. */
export const LIVE_FOLDER = '.live';
export const THUMBS_FOLDER = '.thumbs';

/** A gallery image's file within the gallery folder, as main writes it and the page loads it. */
export function galleryFile(id: GalleryId, where: 'results' | 'live' | 'thumbs' = 'results'): string {
  return where === 'results' ? `${id}.png` : `${where === 'live' ? LIVE_FOLDER : THUMBS_FOLDER}/${id}.png`;
}

/** How an image was made, as far as its tool recorded it (see app/domain/generation-info.ts). */
export const GenerationInfo = z.object({
  tool: z.enum(['a1111', 'comfyui', 'invokeai', 'wordbrush']),
  prompt: z.string(),
  negativePrompt: z.string(),
  steps: z.number().optional(),
  sampler: SamplerName.optional(),
  schedule: SigmaScheduleName.optional(),
  samplerLabel: z.string().optional(),
  cfgScale: z.number().optional(),
  seed: z.number().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  model: z.string().optional(),
  denoisingStrength: z.number().optional(),
  /** A1111's "Refiner" (its name, without the hash A1111 adds) and "Refiner switch at" (a fraction of the steps). */
  refiner: z.string().optional(),
  refinerSwitchAt: z.number().optional(),
  fields: z.record(z.string(), z.string()),
});
export type GenerationInfo = z.infer<typeof GenerationInfo>;

export const GalleryEntry = z.object({
  id: GalleryId,
  width: z.number().int().nonnegative(),
  height: z.number().int().nonnegative(),
  /** When the file was written. */
  createdAt: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  starred: z.boolean(),
  /** Whether a small copy exists for the strip (made once, kept in the gallery's .thumbs folder). */
  thumbnail: z.boolean(),
  info: GenerationInfo.nullable(),
});
export type GalleryEntry = z.infer<typeof GalleryEntry>;

export const GalleryPage = z.object({
  items: z.array(GalleryEntry),
  /** Pass as `before` for the next (older) page; null at the end. */
  next: GalleryId.nullable(),
  total: z.number().int().nonnegative(),
});
export type GalleryPage = z.infer<typeof GalleryPage>;

/** Everything recorded about a result: its A1111 text, and for Wordbrush's own the full request and run report. */
export const GalleryRecord = z.object({
  entry: GalleryEntry,
  parameters: z.string().nullable(),
  /** Wordbrush's record (request with its model named by folder name, settings, run report), as written with the image. */
  wordbrush: z.unknown().nullable(),
  /** Whether the canvas document that made it was kept (gallery.document gives it). */
  hasDocument: z.boolean(),
});
export type GalleryRecord = z.infer<typeof GalleryRecord>;

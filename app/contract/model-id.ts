import { z } from 'zod';

/**
 * A model's stable name: its folder's name under the library. What the
 * renderer and every call use to name a model; main alone knows the folders.
 */
export const ModelId = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'A model id is letters, digits, ".", "_" and "-", starting with a letter or digit');
export type ModelId = z.infer<typeof ModelId>;

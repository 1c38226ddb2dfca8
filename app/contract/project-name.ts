import { z } from 'zod';

/**
 * A project's name, as a person types it ("Castle at dawn (v2)"): it names
 * the file main keeps it in (`<name>.wbproj`), so it holds no separators or
 * control characters, does not start with a dot or end with a dot or space
 * (which Windows drops), and is at most 100 characters.
 */
export const ProjectName = z
  .string()
  .min(1, 'A project needs a name')
  .max(100, 'A project name is at most 100 characters')
  .regex(/^[\p{L}\p{N}](?:[\p{L}\p{N} ._()'&+,-]*[\p{L}\p{N})_'-])?$/u, "A project name is letters, digits, spaces and . _ - ( ) ' & + , starting with a letter or digit");
export type ProjectName = z.infer<typeof ProjectName>;

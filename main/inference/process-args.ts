export const MODELS_DIR_FLAG = '--models-dir';
export const APP_VERSION_FLAG = '--app-version';
export const CACHE_DIR_FLAG = '--cache-dir';

/** A flag's value in the inference process's arguments, which main always passes. */
export function readFlag(argv: readonly string[], flag: string): string {
  const index = argv.indexOf(flag);
  const value = index >= 0 ? argv[index + 1] : undefined;
  if (!value) throw new Error(`The inference process needs ${flag} <value>`);
  return value;
}

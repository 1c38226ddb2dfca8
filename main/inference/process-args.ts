export const MODELS_DIR_FLAG = '--models-dir';

/** The models folder main passes to the inference process (bundled models live outside the asar). */
export function readModelsDir(argv: readonly string[]): string {
  const index = argv.indexOf(MODELS_DIR_FLAG);
  const value = index >= 0 ? argv[index + 1] : undefined;
  if (!value) throw new Error(`The inference process needs ${MODELS_DIR_FLAG} <folder>`);
  return value;
}

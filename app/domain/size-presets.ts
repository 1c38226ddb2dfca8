/** A size offered in the panel for a model. */
export interface SizePreset {
  readonly label: string;
  readonly width: number;
  readonly height: number;
}

const RATIOS: readonly [string, number, number][] = [
  ['1:1', 1, 1],
  ['3:4', 3, 4],
  ['4:3', 4, 3],
  ['2:3', 2, 3],
  ['3:2', 3, 2],
  ['9:16', 9, 16],
  ['16:9', 16, 9],
];

/**
 * The usual aspect ratios at about the pixel count the model was trained at,
 * in multiples of 64 (SDXL's 1024x1024 gives 896x1152, 1152x896, 768x1344…,
 * the sizes its trainers published), so every preset is one the model draws
 * well; small models (the 64x64 starter) get multiples of 8.
 */
export function sizePresets(native: { readonly width: number; readonly height: number }): SizePreset[] {
  const pixels = native.width * native.height;
  const grid = Math.min(native.width, native.height) >= 512 ? 64 : 8;
  const seen = new Set<string>();
  const presets: SizePreset[] = [];
  for (const [label, w, h] of RATIOS) {
    const unit = Math.sqrt(pixels / (w * h));
    const width = Math.max(64, Math.round((unit * w) / grid) * grid);
    const height = Math.max(64, Math.round((unit * h) / grid) * grid);
    const key = `${width}x${height}`;
    if (seen.has(key)) continue;
    seen.add(key);
    presets.push({ label: `${label} (${width}×${height})`, width, height });
  }
  return presets;
}

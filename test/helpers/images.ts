import { writeFileSync } from 'node:fs';
import { encodePng } from '../../main/images/png';

/** Writes a width x height PNG whose pixels `color(x, y)` gives, for init images and masks. */
export function writeTestPng(path: string, width: number, height: number, color: (x: number, y: number) => [number, number, number]): string {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(color(x, y), (y * width + x) * 3);
  writeFileSync(path, encodePng(width, height, data));
  return path;
}

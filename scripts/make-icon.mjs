// Draws the app icon (a brush stroke on a dark disc) as PNGs for electron-builder,
// so the repo needs no image tools: node scripts/make-icon.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { crc32, deflateSync } from 'node:zlib';

function png(size) {
  const row = size * 4 + 1;
  const raw = Buffer.alloc(row * size);
  const c = size / 2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const o = y * row + 1 + x * 4;
      const [dx, dy] = [(x - c) / c, (y - c) / c];
      const inside = Math.hypot(dx, dy) < 0.9;
      const stroke = Math.abs(dy - 0.3 * Math.sin(dx * 4)) < 0.11 && Math.abs(dx) < 0.66;
      raw.set(stroke ? [240, 190, 90, 255] : inside ? [30, 34, 44, 255] : [0, 0, 0, 0], o);
    }
  }
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

mkdirSync('build/icons', { recursive: true });
writeFileSync('build/icon.png', png(512));
for (const size of [16, 32, 48, 64, 128, 256, 512]) writeFileSync(`build/icons/${size}x${size}.png`, png(size));

import { crc32, deflateSync } from 'node:zlib';
import { inflateText } from './inflate-bounds';
import { decodeTextChunk as decodeChunk, PNG_SIGNATURE, readPngText as readTextChunks } from '../../app/domain/png-text';

/**
 * PNG writing, by hand because the text chunks matter: A1111, ComfyUI and
 * InvokeAI read generation parameters from a `parameters` chunk, written as
 * tEXt when it is Latin-1 and as iTXt (UTF-8) otherwise, as PIL does. The
 * image data is plain deflate over filter-0 rows, via node:zlib.
 */
export function encodePng(width: number, height: number, rgb: Uint8Array, text: Readonly<Record<string, string>> = {}, channels: 3 | 4 = 3): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, channels === 4 ? 6 : 2, 0, 0, 0], 8);
  const stride = width * channels;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) raw.set(rgb.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const textChunks = Object.entries(text).map(([keyword, value]) => textChunk(keyword, value));
  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', header), ...textChunks, chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

function textChunk(keyword: string, value: string): Buffer {
  if ([...value].every((ch) => ch.charCodeAt(0) <= 0xff)) return chunk('tEXt', Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0]), Buffer.from(value, 'latin1')]));
  // iTXt: keyword, NUL, compression flag 0, method 0, empty language tag NUL, empty translated keyword NUL, UTF-8 text.
  return chunk('iTXt', Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0, 0, 0, 0, 0]), Buffer.from(value, 'utf8')]));
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** The text chunks of a PNG (tEXt, zTXt and iTXt), so a result's parameters can be read back. */
export function readPngText(png: Buffer): Record<string, string> {
  const text = readTextChunks(png, inflateText);
  if (!text) throw new Error('Not a PNG file');
  return text;
}

/** One text chunk's keyword and text, inflating with zlib up to MAX_TEXT_INFLATED. */
export const decodeTextChunk = (type: string, data: Buffer) => decodeChunk(type, data, inflateText);


import { open } from 'node:fs/promises';
import { decodeTextChunk } from '../images/png';
import { PNG_SIGNATURE } from '../../app/domain/png-text';

export interface PngHead {
  readonly width: number;
  readonly height: number;
  /** Text chunks before the image data: where Wordbrush, A1111, ComfyUI and InvokeAI (all through PIL or like it) put theirs. */
  readonly text: Readonly<Record<string, string>>;
}

/** A damaged or oversized text chunk is skipped: the image and its other chunks still list. */
function textOf(type: string, data: Buffer): [string, string] | null {
  try {
    return decodeTextChunk(type, data);
  } catch {
    return null;
  }
}

/** More text than this in one chunk is not generation data. */
const MAX_TEXT = 4 * 1024 * 1024;

/**
 * Reads a PNG's size and text chunks without reading its pixels: chunk
 * headers are walked with positional reads up to the first IDAT, so listing
 * a gallery of large images costs a few small reads each. Null when the file
 * is not a PNG.
 */
export async function readPngHead(path: string): Promise<PngHead | null> {
  const handle = await open(path, 'r');
  try {
    const header = Buffer.alloc(8);
    if ((await handle.read(header, 0, 8, 0)).bytesRead < 8 || !header.equals(PNG_SIGNATURE)) return null;
    const text: Record<string, string> = {};
    let size: { width: number; height: number } | null = null;
    for (let at = 8; ; ) {
      if ((await handle.read(header, 0, 8, at)).bytesRead < 8) break;
      const length = header.readUInt32BE(0);
      const type = header.toString('latin1', 4, 8);
      if (type === 'IDAT' || type === 'IEND') break;
      if (type === 'IHDR' || ((type === 'tEXt' || type === 'iTXt' || type === 'zTXt') && length <= MAX_TEXT)) {
        const data = Buffer.alloc(length);
        await handle.read(data, 0, length, at + 8);
        if (type === 'IHDR') size = { width: data.readUInt32BE(0), height: data.readUInt32BE(4) };
        else {
          const entry = textOf(type, data);
          if (entry) text[entry[0]] = entry[1];
        }
      }
      at += 12 + length;
    }
    return size ? { ...size, text } : null;
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}

/** The PNG signature: every PNG's first eight bytes. */
export const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/** The Encoding standard's decoder, in every runtime the studio has (Node, Chromium); app/ has neither's type library. */
declare const TextDecoder: new (label: string) => { decode(bytes: Uint8Array): string };

const utf8 = new TextDecoder('utf-8');
/** ISO 8859-1, byte for code point, as PNG's tEXt is (the Encoding standard's "latin1" is windows-1252). */
const latin1 = { decode: (bytes: Uint8Array) => Array.from(bytes, (b) => String.fromCharCode(b)).join('') };

/**
 * One text chunk's keyword and text (tEXt as Latin-1, iTXt as UTF-8, zTXt and
 * compressed iTXt through `inflate`), or null for any other chunk. Shared by
 * main (which inflates with zlib) and the renderer (reading a dropped file).
 */
export function decodeTextChunk(type: string, data: Uint8Array, inflate: (compressed: Uint8Array) => Uint8Array): [string, string] | null {
  const nul = data.indexOf(0);
  if (nul < 0) return null;
  const keyword = latin1.decode(data.subarray(0, nul));
  if (type === 'tEXt') return [keyword, latin1.decode(data.subarray(nul + 1))];
  if (type === 'zTXt') return [keyword, latin1.decode(inflate(data.subarray(nul + 2)))];
  if (type !== 'iTXt') return null;
  const compressed = data[nul + 1] === 1;
  let rest = data.indexOf(0, nul + 3) + 1; // past the language tag
  rest = data.indexOf(0, rest) + 1; // past the translated keyword
  const body = data.subarray(rest);
  return [keyword, utf8.decode(compressed ? inflate(body) : body)];
}

/** Every text chunk of a whole PNG file's bytes; null when the bytes are not a PNG. */
export function readPngText(png: Uint8Array, inflate: (compressed: Uint8Array) => Uint8Array): Record<string, string> | null {
  if (png.length < 8 || !PNG_SIGNATURE.every((b, i) => png[i] === b)) return null;
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const text: Record<string, string> = {};
  for (let at = 8; at + 8 <= png.length; ) {
    const length = view.getUint32(at);
    const type = latin1.decode(png.subarray(at + 4, at + 8));
    try {
      const entry = decodeTextChunk(type, png.subarray(at + 8, at + 8 + length), inflate);
      if (entry) text[entry[0]] = entry[1];
    } catch {
      // A damaged text chunk is skipped, not fatal: the rest still tells something.
    }
    at += 12 + length;
  }
  return text;
}

import yazl from 'yazl';

/** A zip of text entries, for project and import tests that need a hand-made archive. */
export function zipOf(entries: Record<string, string>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, text] of Object.entries(entries)) zip.addBuffer(Buffer.from(text), name);
  zip.end();
  return new Promise((done) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c)).on('end', () => done(Buffer.concat(chunks)));
  });
}

/** A zip of byte entries (deflated); a name ending in / is a folder. */
export function bytesZipOf(entries: Record<string, Uint8Array>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, bytes] of Object.entries(entries)) {
    if (name.endsWith('/')) zip.addEmptyDirectory(name);
    else zip.addBuffer(Buffer.from(bytes), name);
  }
  zip.end();
  return new Promise((done) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c)).on('end', () => done(Buffer.concat(chunks)));
  });
}

/**
 * The same archive with the uncompressed sizes its central directory declares for the named entries
 * changed, as a hostile file (a zip bomb) would declare them: a reader must refuse by the declaration
 * before it inflates anything.
 */
export function withDeclaredSizes(zip: Buffer, sizes: Readonly<Record<string, number>>): Buffer {
  const out = Buffer.from(zip);
  for (const { name, at } of centralEntries(out)) if (name in sizes) out.writeUInt32LE(sizes[name]!, at + 24);
  return out;
}

/** The size an entry is stored in (compressed), as the archive's central directory says. */
export function storedSizeOf(zip: Buffer, entry: string): number {
  const found = centralEntries(zip).find((e) => e.name === entry);
  if (!found) throw new Error(`${entry} is not in the archive`);
  return zip.readUInt32LE(found.at + 20);
}

function centralEntries(zip: Buffer): { name: string; at: number }[] {
  const entries: { name: string; at: number }[] = [];
  for (let at = zip.indexOf(CENTRAL_HEADER); at >= 0; at = zip.indexOf(CENTRAL_HEADER, at + 4)) {
    entries.push({ name: zip.toString('utf8', at + 46, at + 46 + zip.readUInt16LE(at + 28)), at });
  }
  return entries;
}

const CENTRAL_HEADER = Buffer.from([0x50, 0x4b, 0x01, 0x02]);

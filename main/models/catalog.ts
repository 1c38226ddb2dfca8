import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { CatalogEntry } from '../../app/contract/models';
import { parseBoundedJson } from '../../app/domain/bounded-json';

export const Catalog = z.object({ format: z.literal(1), models: z.array(CatalogEntry) });

/** models/catalog.json: public diffusers-ONNX repositories, checked against the schema so a bad edit fails loudly. */
export async function readCatalog(file: string): Promise<CatalogEntry[]> {
  return Catalog.parse(parseBoundedJson(await readFile(file, 'utf8'))).models;
}

/**
 * Limits on JSON-shaped values that come from outside (files, PNG text chunks,
 * the renderer): V8's JSON.stringify, structured clone and every recursive
 * walk overflow the stack on deep nesting (a 404-byte file nested 50,000 deep
 * is enough), so depth is checked first, without recursion, before a value is
 * kept, sent or walked.
 */
export interface JsonBounds {
  /** Nesting of arrays and objects, the outermost counting 1. */
  readonly maxDepth?: number;
  /** The text's length in UTF-16 units (parse only). */
  readonly maxBytes?: number;
  /** Arrays, objects and values in all. */
  readonly maxNodes?: number;
}

/** Deeper than any document the studio writes (a project is about 12 deep). */
export const DEFAULT_MAX_DEPTH = 64;
const DEFAULT_MAX_NODES = 5_000_000;

export class JsonBoundsError extends Error {}

/** Throws JsonBoundsError when `value` nests deeper, or holds more, than the bounds allow, or is not plain JSON data. */
export function checkJsonBounds(value: unknown, bounds: JsonBounds = {}): void {
  const maxDepth = bounds.maxDepth ?? DEFAULT_MAX_DEPTH;
  const maxNodes = bounds.maxNodes ?? DEFAULT_MAX_NODES;
  const stack: [unknown, number][] = [[value, 1]];
  let nodes = 0;
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (++nodes > maxNodes) throw new JsonBoundsError(`holds more than ${maxNodes} values`);
    if (typeof current === 'number' && !Number.isFinite(current)) throw new JsonBoundsError(`holds a number JSON cannot carry (${current})`);
    if (typeof current !== 'object' || current === null) continue;
    if (depth > maxDepth) throw new JsonBoundsError(`nests deeper than ${maxDepth} levels`);
    for (const child of Array.isArray(current) ? current : Object.values(current)) stack.push([child, depth + 1]);
  }
}

/** JSON.parse with a size bound before and a depth bound after; any failure is a JsonBoundsError in words. */
export function parseBoundedJson(text: string, bounds: JsonBounds = {}): unknown {
  if (bounds.maxBytes !== undefined && text.length > bounds.maxBytes) throw new JsonBoundsError(`is larger than ${bounds.maxBytes} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new JsonBoundsError(`is not valid JSON (${(error as Error).message})`);
  }
  checkJsonBounds(value, bounds);
  return value;
}

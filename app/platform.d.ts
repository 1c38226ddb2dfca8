/**
 * The few globals app/ uses that every runtime it runs in (Node, Electron's
 * renderer, a browser) provides, declared without pulling in the DOM's or
 * Node's whole type libraries.
 */
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}

/**
 * The inference process's line to main. Under Electron it is a utility
 * process and talks over `process.parentPort`; in browser mode it is a forked
 * Node process and talks over Node's IPC channel. Everything above this file
 * sees one shape.
 */
export interface ParentChannel {
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
}

interface ElectronParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

export function openParentChannel(): ParentChannel {
  const parentPort = (process as NodeJS.Process & { parentPort?: ElectronParentPort }).parentPort;
  if (parentPort) {
    return {
      send: (message) => parentPort.postMessage(message),
      onMessage: (listener) => parentPort.on('message', (event) => listener(event.data)),
    };
  }
  const send = process.send?.bind(process);
  if (send) {
    // A forked child outliving its parent would hold the GPU for nobody.
    process.on('disconnect', () => process.exit(0));
    return {
      send: (message) => void send(message),
      onMessage: (listener) => process.on('message', listener),
    };
  }
  throw new Error('The inference process must be started by Wordbrush (no channel to main)');
}

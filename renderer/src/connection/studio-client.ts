import { studioContract } from '../../../app/contract/studio';
import { createClient, type Client, type ClientPort } from '../../../app/rpc/client';
import { openSocketPort, type ConnectionState } from './socket-port';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in browser mode. */
    readonly studio?: ClientPort;
  }
}

export type StudioClient = Client<typeof studioContract.calls, typeof studioContract.events>;

export interface StudioConnection {
  readonly client: StudioClient;
  readonly transport: 'ipc' | 'websocket';
  state(): ConnectionState;
  onState(listener: (state: ConnectionState) => void): () => void;
  /** Where the page can load a gallery file (`galleryFile` names them). */
  galleryUrl(file: string): string;
}

const galleryPath = (file: string) => `./gallery/${file.split('/').map(encodeURIComponent).join('/')}`;

/** Builds the one typed client over whichever port this page has: Electron's preload bridge or browser mode's WebSocket. */
export function connectToStudio(location: Location): StudioConnection {
  if (window.studio) {
    // IPC needs no connecting: the preload's bridge is there from the first script on.
    return { client: createClient(studioContract, window.studio), transport: 'ipc', state: () => 'connected', onState: () => () => undefined, galleryUrl: galleryPath };
  }
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  let client: StudioClient | null = null;
  const port = openSocketPort(`${scheme}//${location.host}/ws?token=${encodeURIComponent(token)}`, (error) => client?.failPending(error));
  client = createClient(studioContract, port);
  return {
    client,
    transport: 'websocket',
    state: () => port.state(),
    onState: (listener) => port.onState(listener),
    // Browser mode guards the gallery with the same token as the socket.
    galleryUrl: (path) => `${galleryPath(path)}?token=${encodeURIComponent(token)}`,
  };
}

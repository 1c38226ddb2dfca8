import { contextBridge, ipcRenderer } from 'electron';
import type { ClientPort } from '../../app/rpc/client';
import { STUDIO_CALL_CHANNEL, STUDIO_EVENT_CHANNEL } from './channels';

/**
 * Exposes the studio contract's port to the sandboxed page as `window.studio`.
 * The page builds the same typed client over it as over the browser-mode
 * WebSocket; main validates everything that comes through.
 */
const listeners = new Set<(message: unknown) => void>();
const deliver = (message: unknown) => {
  for (const listener of listeners) listener(message);
};
ipcRenderer.on(STUDIO_EVENT_CHANNEL, (_event, message: unknown) => deliver(message));

const port: ClientPort = {
  send(message) {
    ipcRenderer.invoke(STUDIO_CALL_CHANNEL, message).then(deliver, (error: unknown) =>
      deliver({ kind: 'result', id: message.id, ok: false, error: { code: 'disconnected', message: String(error) } }),
    );
  },
  onMessage(listener) {
    listeners.add(listener);
  },
};

contextBridge.exposeInMainWorld('studio', port);

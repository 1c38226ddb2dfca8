import type { ClientPort } from '../../../app/rpc/client';
import { StudioError } from '../../../app/rpc/errors';

export type ConnectionState = 'connecting' | 'connected' | 'disconnected';

export interface SocketPort extends ClientPort {
  state(): ConnectionState;
  onState(listener: (state: ConnectionState) => void): () => void;
}

const RETRY_MS = [250, 500, 1000, 2000, 4000];

/**
 * Browser mode's port: a WebSocket to main that reconnects by itself. Calls
 * in flight when it drops are failed with `disconnected` (by the client, via
 * onDisconnect), since main may or may not have run them.
 */
export function openSocketPort(url: string, onDisconnect: (error: StudioError) => void): SocketPort {
  const messageListeners = new Set<(message: unknown) => void>();
  const stateListeners = new Set<(state: ConnectionState) => void>();
  let socket: WebSocket;
  let attempt = 0;
  let current: ConnectionState = 'connecting';
  const setState = (state: ConnectionState) => {
    current = state;
    stateListeners.forEach((listener) => listener(state));
  };

  const connect = () => {
    setState('connecting');
    socket = new WebSocket(url);
    socket.onopen = () => {
      attempt = 0;
      setState('connected');
    };
    socket.onmessage = (event) => {
      if (typeof event.data !== 'string') return;
      let message: unknown;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      messageListeners.forEach((listener) => listener(message));
    };
    socket.onclose = () => {
      setState('disconnected');
      onDisconnect(new StudioError('disconnected', 'The connection to the studio closed'));
      setTimeout(connect, RETRY_MS[Math.min(attempt++, RETRY_MS.length - 1)]);
    };
  };
  connect();

  return {
    send(message) {
      if (socket.readyState !== WebSocket.OPEN) throw new Error('Not connected to the studio');
      socket.send(JSON.stringify(message));
    },
    onMessage(listener) {
      messageListeners.add(listener);
    },
    state: () => current,
    onState(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
  };
}

import WebSocket from 'ws';
import { studioContract } from '../../app/contract/studio';
import { createClient } from '../../app/rpc/client';

/** The studio's own typed client over a real WebSocket to a browser-mode server, as the renderer uses it. */
export async function connectStudioSocket(port: number, token: string) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${encodeURIComponent(token)}`);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const client = createClient(studioContract, {
    send: (message) => ws.send(JSON.stringify(message)),
    onMessage: (listener) => void ws.on('message', (data) => listener(JSON.parse(data.toString()))),
  });
  return { client, close: () => ws.close() };
}

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { EventMessage, ResultMessage } from '../../app/contract/wire';
import { contentSecurityPolicy } from '../core/csp';
import { GALLERY_PREFIX, resolveGalleryFile, resolveStaticFile, staticHeaders } from '../core/static-files';
import type { StudioBackend } from '../core/studio-backend';
import { isLoopback } from './serve-args';

export const SOCKET_PATH = '/ws';
/** Larger messages close the socket; a project with its images (sent as data URLs) is the largest call. */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export interface BrowserServerOptions {
  readonly backend: StudioBackend;
  readonly rendererDir: string;
  /** Results are served from here under /gallery/, to holders of the token only. */
  readonly galleryDir: string;
  readonly host: string;
  readonly port: number;
  /** Fixed only by tests; normally a new random token every start. */
  readonly token?: string;
}

export interface BrowserServer {
  /** The address to open, token included. */
  readonly url: string;
  readonly token: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Browser mode: serves the built renderer over HTTP and the studio contract
 * over a WebSocket. The socket is the capability, so it demands the per-start
 * token and a same-host Origin; the static files hold nothing secret.
 */
export async function startBrowserServer(options: BrowserServerOptions): Promise<BrowserServer> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  let hosts: ReadonlySet<string> = new Set();
  const http = createServer((req, res) => {
    // DNS rebinding: a page of another site whose name now resolves here still sends its own name as Host.
    if (!hosts.has((req.headers.host ?? '').toLowerCase())) {
      res.writeHead(421, { 'Content-Type': 'text/plain' }).end('This server answers only to the address it was started on');
      return;
    }
    void serveFile(options, token, req, res);
  });
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });

  http.on('upgrade', (req, socket, head) => {
    const refusal = hosts.has((req.headers.host ?? '').toLowerCase()) ? refuseUpgrade(req, token) : { status: 421 as const, reason: 'Misdirected Request' };
    if (refusal) {
      rejectUpgrade(socket, refusal);
      return;
    }
    sockets.handleUpgrade(req, socket, head, (ws) => serveSocket(ws, options.backend));
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, options.host, () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  hosts = allowedHosts(options.host, port);
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    token,
    port,
    close: async () => {
      for (const client of sockets.clients) client.terminate();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

async function serveFile(options: BrowserServerOptions, token: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  const { pathname, searchParams } = new URL(req.url ?? '/', 'http://studio');
  // The user's images are theirs: like the socket, the gallery wants the token.
  const inGallery = pathname.startsWith(GALLERY_PREFIX);
  if (inGallery && !tokensMatch(searchParams.get('token'), token)) {
    res.writeHead(401).end();
    return;
  }
  const file = inGallery ? await resolveGalleryFile(options.galleryDir, pathname) : resolveStaticFile(options.rendererDir, pathname);
  if (!file) {
    res.writeHead(404).end();
    return;
  }
  try {
    const body = await readFile(file);
    // CSP 3's 'self' covers the page's own ws: origin, so nothing in the policy comes from the request.
    res.writeHead(200, staticHeaders(file, contentSecurityPolicy())).end(req.method === 'HEAD' ? undefined : body);
  } catch {
    res.writeHead(404).end();
  }
}

/**
 * The Host headers a request may carry: the address the server listens on,
 * plus the loopback names when it listens on loopback, or every address and
 * the name of this machine when it listens on all of them.
 */
export function allowedHosts(listenHost: string, port: number): ReadonlySet<string> {
  const loopback = ['127.0.0.1', 'localhost', '[::1]'];
  const bracket = (address: string) => (address.includes(':') ? `[${address}]` : address);
  const names = new Set<string>([bracket(listenHost.toLowerCase())]);
  if (isLoopback(listenHost)) loopback.forEach((n) => names.add(n));
  if (listenHost === '0.0.0.0' || listenHost === '::') {
    loopback.forEach((n) => names.add(n));
    for (const addresses of Object.values(networkInterfaces())) for (const a of addresses ?? []) names.add(bracket(a.address.toLowerCase()));
    const machine = hostname().toLowerCase();
    names.add(machine);
    names.add(`${machine}.local`);
  }
  return new Set([...names].map((name) => `${name}:${port}`));
}

interface Refusal {
  readonly status: 401 | 403 | 404 | 421;
  readonly reason: string;
}

function refuseUpgrade(req: IncomingMessage, token: string): Refusal | null {
  const url = new URL(req.url ?? '/', 'http://studio');
  if (url.pathname !== SOCKET_PATH) return { status: 404, reason: 'Not Found' };
  if (!tokensMatch(url.searchParams.get('token'), token)) return { status: 401, reason: 'Unauthorized' };
  const origin = req.headers.origin;
  // Browsers always send Origin on WebSockets; a page from another site must not ride on a leaked token.
  if (origin !== undefined && !sameHost(origin, req.headers.host)) return { status: 403, reason: 'Forbidden' };
  return null;
}

function tokensMatch(offered: string | null, token: string): boolean {
  if (offered === null) return false;
  const a = Buffer.from(offered);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function sameHost(origin: string, host: string | undefined): boolean {
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

function rejectUpgrade(socket: Duplex, refusal: Refusal): void {
  socket.end(`HTTP/1.1 ${refusal.status} ${refusal.reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function serveSocket(ws: WebSocket, backend: StudioBackend): void {
  const send = (message: EventMessage | ResultMessage) => {
    if (ws.readyState !== ws.OPEN) return;
    let text: string;
    try {
      text = JSON.stringify(message);
    } catch (error) {
      // The router bounds what it answers; this is the last line, so one bad value never ends main.
      console.error(`Wordbrush: a ${message.kind} could not be serialised: ${(error as Error).message}`);
      if (message.kind !== 'result') return;
      text = JSON.stringify({ kind: 'result', id: message.id, ok: false, error: { code: 'invalid-output', message: 'The answer could not be sent' } } satisfies ResultMessage);
    }
    ws.send(text);
  };
  const unsubscribe = backend.subscribe(send);
  const connection = backend.connect();
  ws.on('close', () => {
    unsubscribe();
    // A tab closed or reloaded mid-run: nobody is left to see its generations.
    connection.close();
  });
  ws.on('error', () => ws.terminate());
  ws.on('message', (data, isBinary) => {
    const parsed = parseFrame(data, isBinary);
    if (!parsed.ok) {
      send(parsed.reply);
      return;
    }
    void connection.handle(parsed.value).then(send);
  });
}

type Frame = { ok: true; value: unknown } | { ok: false; reply: ResultMessage };

function parseFrame(data: RawData, isBinary: boolean): Frame {
  const invalid = (message: string): Frame => ({ ok: false, reply: { kind: 'result', id: null, ok: false, error: { code: 'invalid-message', message } } });
  if (isBinary) return invalid('Binary frames are not part of the protocol');
  try {
    return { ok: true, value: JSON.parse(data.toString()) };
  } catch {
    return invalid('Not valid JSON');
  }
}

import assert from 'node:assert/strict';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { resolveGalleryFile } from '../../main/core/static-files';
import { allowedHosts, startBrowserServer, type BrowserServer } from '../../main/server/browser-server';
import type { StudioBackend } from '../../main/core/studio-backend';
import { browserBackend } from '../helpers/backend';
import { builtPaths, requireBuild } from '../helpers/paths';

let backend: StudioBackend;
let server: BrowserServer;
const galleryDir = mkdtempSync(join(tmpdir(), 'wordbrush-gallery-'));
const base = () => `http://127.0.0.1:${server.port}`;
const socketUrl = (token: string) => `ws://127.0.0.1:${server.port}/ws?token=${encodeURIComponent(token)}`;

/** A GET with a Host header of our choosing (fetch will not send one). */
function get(path: string, host: string): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers: { host } }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens a socket and resolves with it once open, or with the HTTP status the upgrade was refused with. */
function connect(url: string, headers: Record<string, string> = {}): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', reject);
  });
}

/** Sends raw text and resolves with the next result message. */
function exchange(ws: WebSocket, raw: string): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const message = JSON.parse(data.toString()) as Record<string, unknown>;
      if (message.kind !== 'result') return;
      ws.off('message', onMessage);
      resolve(message);
    };
    ws.on('message', onMessage);
    ws.send(raw);
  });
}

describe('browser-mode server (real HTTP and WebSocket on loopback)', () => {
  before(async () => {
    requireBuild();
    backend = browserBackend({ galleryDir });
    server = await startBrowserServer({ backend, rendererDir: builtPaths.rendererDir, galleryDir, host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await server.close();
    await backend.stop();
  });

  test('prints a loopback URL with a fresh random token', async () => {
    assert.match(server.url, new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/\\?token=[A-Za-z0-9_-]{32}$`));
    const other = await startBrowserServer({ backend, rendererDir: builtPaths.rendererDir, galleryDir, host: '127.0.0.1', port: 0 });
    await other.close();
    assert.notEqual(other.token, server.token);
  });

  test('serves the studio page with a strict CSP that lets it reach its own socket', async () => {
    const res = await fetch(`${base()}/`);
    assert.equal(res.status, 200);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'(;|$)/);
    assert.match(csp, /object-src 'none'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /connect-src 'self';/);
    // Nothing in the policy comes from the request: another loopback name gets the same one.
    const viaLocalhost = await get('/', `localhost:${server.port}`);
    assert.equal(viaLocalhost.status, 200);
    assert.equal(viaLocalhost.headers['content-security-policy'], csp);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
    assert.match(await res.text(), /<div id="root">/);
  });

  for (const path of ['/../package.json', '/%2e%2e/package.json', '/..%2fpackage.json', '/assets/..%2f..%2f..%2fpackage.json', '/%00', '/nope.js']) {
    test(`answers 404 for ${path}`, async () => {
      assert.equal((await fetch(base() + path)).status, 404);
    });
  }

  test('serves gallery images only with the token, and only PNGs inside the gallery', async () => {
    writeFileSync(join(galleryDir, 'result.png'), 'png bytes');
    writeFileSync(join(galleryDir, 'result.json'), '{}');
    assert.equal((await fetch(`${base()}/gallery/result.png`)).status, 401);
    assert.equal((await fetch(`${base()}/gallery/result.png?token=wrong`)).status, 401);
    const image = await fetch(`${base()}/gallery/result.png?token=${server.token}`);
    assert.equal(image.status, 200);
    assert.equal(image.headers.get('content-type'), 'image/png');
    assert.equal((await fetch(`${base()}/gallery/result.json?token=${server.token}`)).status, 404);
    assert.equal((await fetch(`${base()}/gallery/..%2f..%2fetc%2fpasswd?token=${server.token}`)).status, 404);
    assert.equal(image.headers.get('cache-control'), 'no-store');
  });

  test('never follows a link out of the gallery', async () => {
    const outside = join(mkdtempSync(join(tmpdir(), 'wordbrush-outside-')), 'secret.png');
    writeFileSync(outside, 'not yours');
    symlinkSync(outside, join(galleryDir, 'linked.png'));
    assert.equal((await fetch(`${base()}/gallery/linked.png?token=${server.token}`)).status, 404);
    assert.equal(await resolveGalleryFile(galleryDir, '/gallery/linked.png'), null);
    assert.equal(await resolveGalleryFile(galleryDir, '/gallery/result.png'), join(galleryDir, 'result.png'));
  });

  test('answers only requests addressed to the address it listens on (no DNS rebinding)', async () => {
    for (const host of [`evil.example:${server.port}`, `127.0.0.1.nip.io:${server.port}`, `127.0.0.1:${server.port + 1}`]) {
      assert.equal((await get('/', host)).status, 421, host);
      assert.equal(await connect(socketUrl(server.token), { host }), 421, `socket with Host ${host}`);
    }
    for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, `LOCALHOST:${server.port}`]) assert.equal((await get('/', host)).status, 200, host);
    assert.deepEqual([...allowedHosts('192.168.1.5', 80)], ['192.168.1.5:80']);
    assert.ok(allowedHosts('0.0.0.0', 80).has('127.0.0.1:80'));
  });

  test('refuses methods other than GET and HEAD', async () => {
    assert.equal((await fetch(`${base()}/`, { method: 'POST' })).status, 405);
  });

  test('refuses a socket without the token, with a wrong one, or on another path', async () => {
    assert.equal(await connect(`ws://127.0.0.1:${server.port}/ws`), 401);
    assert.equal(await connect(socketUrl('x'.repeat(server.token.length))), 401);
    assert.equal(await connect(socketUrl(server.token.slice(1))), 401);
    assert.equal(await connect(`ws://127.0.0.1:${server.port}/other?token=${server.token}`), 404);
  });

  test('refuses a socket opened by a page of another site, even with the token', async () => {
    assert.equal(await connect(socketUrl(server.token), { Origin: 'http://evil.example' }), 403);
    const same = await connect(socketUrl(server.token), { Origin: base() });
    assert.ok(same instanceof WebSocket);
    same.close();
  });

  test('answers calls, and malformed messages with typed errors while the socket keeps working', async () => {
    const ws = await connect(socketUrl(server.token));
    assert.ok(ws instanceof WebSocket);
    try {
      const notJson = await exchange(ws, '{"kind": "call", oops');
      assert.deepEqual(notJson, { kind: 'result', id: null, ok: false, error: { code: 'invalid-message', message: 'Not valid JSON' } });
      const badInput = await exchange(ws, JSON.stringify({ kind: 'call', id: 7, method: 'app.ping', input: { nonce: 42 } }));
      assert.equal(badInput.id, 7);
      assert.equal((badInput.error as { code: string }).code, 'invalid-input');
      const unknown = await exchange(ws, JSON.stringify({ kind: 'call', id: 8, method: 'fs.readFile', input: {} }));
      assert.equal((unknown.error as { code: string }).code, 'unknown-method');

      const pong = await exchange(ws, JSON.stringify({ kind: 'call', id: 9, method: 'app.ping', input: { nonce: 'still here' } }));
      assert.equal(pong.ok, true);
      assert.equal((pong.output as { nonce: string }).nonce, 'still here');
      const info = await exchange(ws, JSON.stringify({ kind: 'call', id: 10, method: 'app.info', input: {} }));
      const output = info.output as { mode: string; inference: { state: string }; executionProviders: { name: string; usable: boolean }[] };
      assert.equal(output.mode, 'browser');
      assert.equal(output.inference.state, 'ready');
      assert.ok(output.executionProviders.some((p) => p.name === 'cpu' && p.usable));
    } finally {
      ws.close();
    }
  });

  test('closes a socket that sends an oversized message, and serves others on', async () => {
    const ws = await connect(socketUrl(server.token));
    assert.ok(ws instanceof WebSocket);
    const closed = new Promise<number>((resolve) => ws.once('close', resolve));
    ws.send('x'.repeat(65 * 1024 * 1024));
    assert.equal(await closed, 1009);
    const next = await connect(socketUrl(server.token));
    assert.ok(next instanceof WebSocket);
    next.close();
  });

  test('pushes inference status events to every connected socket', async () => {
    const sockets = await Promise.all([connect(socketUrl(server.token)), connect(socketUrl(server.token))]);
    const events = sockets.map(
      (ws) =>
        new Promise<unknown>((resolve) => {
          assert.ok(ws instanceof WebSocket);
          ws.on('message', (data) => {
            const message = JSON.parse(data.toString()) as { kind: string; name?: string; payload?: { state: string } };
            if (message.name === 'inference.status' && message.payload?.state === 'ready') resolve(message.payload);
          });
        }),
    );
    const ws = sockets[0] as WebSocket;
    await exchange(ws, JSON.stringify({ kind: 'call', id: 1, method: 'inference.restart', input: {} }));
    await Promise.all(events);
    for (const s of sockets) (s as WebSocket).close();
  });
});

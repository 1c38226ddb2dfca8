import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { ResultMessage } from '../../app/contract/wire';
import { STUDIO_CALL_CHANNEL } from '../../main/shell/channels';
import { registerStudioIpc } from '../../main/shell/ipc';
import { appResponse, registerAppScheme } from '../../main/shell/protocol';
import { APP_ORIGIN, hardenSession, hardenWebContents, isStudioFrame, mainWindowOptions, secureWebPreferences } from '../../main/shell/window';
import { loadBuilderConfig } from '../helpers/builder-config';

// Electron's binary is not installed where tests run, so these drive the shell's
// functions with recording stand-ins for Electron's objects: what is checked is
// which handlers our code registers and what those handlers decide.

describe('BrowserWindow options', () => {
  test('keep every security switch of the checklist in its safe position', () => {
    const prefs = mainWindowOptions('/app/dist/main/preload.js').webPreferences!;
    assert.equal(prefs.contextIsolation, true);
    assert.equal(prefs.sandbox, true);
    assert.equal(prefs.nodeIntegration, false);
    assert.equal(prefs.nodeIntegrationInWorker, false);
    assert.equal(prefs.nodeIntegrationInSubFrames, false);
    assert.equal(prefs.webSecurity, true);
    assert.equal(prefs.allowRunningInsecureContent, false);
    assert.equal(prefs.webviewTag, false);
    assert.equal(prefs.experimentalFeatures, false);
    assert.equal(prefs.navigateOnDragDrop, false);
    assert.equal(prefs.preload, '/app/dist/main/preload.js');
    assert.deepEqual(mainWindowOptions('p').webPreferences, secureWebPreferences('p'));
  });
});

describe('web contents hardening', () => {
  function recordContents() {
    const listeners = new Map<string, (event: { preventDefault(): void }, ...rest: unknown[]) => void>();
    let openHandler: ((details: { url: string }) => { action: string }) | null = null;
    const contents = {
      on(name: string, listener: (event: { preventDefault(): void }) => void) {
        listeners.set(name, listener);
        return contents;
      },
      setWindowOpenHandler(handler: (details: { url: string }) => { action: string }) {
        openHandler = handler;
      },
    };
    hardenWebContents(contents as never);
    return { listeners, openHandler: () => openHandler };
  }

  for (const name of ['will-navigate', 'will-frame-navigate', 'will-redirect', 'will-attach-webview']) {
    test(`${name} is prevented, whatever the target`, () => {
      const { listeners } = recordContents();
      for (const url of ['https://example.com/', `${APP_ORIGIN}/index.html`, 'file:///etc/passwd']) {
        let prevented = false;
        listeners.get(name)?.({ preventDefault: () => (prevented = true) }, url);
        assert.ok(prevented, `${name} to ${url}`);
      }
    });
  }

  test('window.open is denied', () => {
    const handler = recordContents().openHandler();
    assert.ok(handler, 'no window open handler registered');
    assert.deepEqual(handler({ url: 'https://example.com/' }), { action: 'deny' });
  });
});

describe('session hardening', () => {
  test('denies every permission request, check and device permission', () => {
    const decisions: boolean[] = [];
    const handlers: Record<string, (...args: never[]) => unknown> = {};
    hardenSession({
      setPermissionRequestHandler: (h: never) => void (handlers.request = h),
      setPermissionCheckHandler: (h: never) => void (handlers.check = h),
      setDevicePermissionHandler: (h: never) => void (handlers.device = h),
    } as never);
    for (const permission of ['media', 'notifications', 'geolocation', 'clipboard-read', 'hid']) {
      (handlers.request as (...a: unknown[]) => void)?.({}, permission, (granted: boolean) => decisions.push(granted), {});
      assert.equal((handlers.check as (...a: unknown[]) => unknown)?.({}, permission, APP_ORIGIN, {}), false);
    }
    assert.deepEqual(decisions, [false, false, false, false, false]);
    assert.equal((handlers.device as (...a: unknown[]) => unknown)?.({ deviceType: 'usb', origin: APP_ORIGIN }), false);
  });
});

describe('IPC sender check', () => {
  const top = (url: string) => ({ url, parent: null });
  const cases: [string, unknown, boolean][] = [
    ['the studio page', top(`${APP_ORIGIN}/index.html`), true],
    ['a page on another origin', top('https://example.com/'), false],
    ['a file:// page', top('file:///app/index.html'), false],
    ['a lookalike host', top('wordbrush://app.evil/index.html'), false],
    ['an iframe inside the studio', { url: `${APP_ORIGIN}/index.html`, parent: top(`${APP_ORIGIN}/index.html`) }, false],
    ['a destroyed frame', null, false],
    ['a frame with a malformed URL', top('::'), false],
  ];
  for (const [name, frame, trusted] of cases) {
    test(`${trusted ? 'accepts' : 'refuses'} ${name}`, () => assert.equal(isStudioFrame(frame as never), trusted));
  }

  test('the IPC handler answers forbidden-sender without reaching the router', async () => {
    const handlers = new Map<string, (event: unknown, message: unknown) => Promise<ResultMessage> | ResultMessage>();
    let routed = 0;
    registerStudioIpc(
      { handle: (channel: string, h: never) => void handlers.set(channel, h) } as never,
      { handle: async () => (routed++, { kind: 'result', id: 1, ok: true, output: null }) },
      isStudioFrame,
    );
    const handler = handlers.get(STUDIO_CALL_CHANNEL);
    assert.ok(handler, 'no handler on the studio channel');
    const call = { kind: 'call', id: 1, method: 'app.ping', input: { nonce: 'x' } };
    const refused = await handler({ senderFrame: { url: 'https://example.com/', parent: null } }, call);
    assert.equal(refused.ok, false);
    assert.equal(!refused.ok && refused.error.code, 'forbidden-sender');
    assert.equal(routed, 0);
    const accepted = await handler({ senderFrame: { url: `${APP_ORIGIN}/index.html`, parent: null } }, call);
    assert.equal(accepted.ok, true);
    assert.equal(routed, 1);
  });
});

describe('app protocol', () => {
  test('is registered as a secure standard scheme', () => {
    let registered: unknown;
    registerAppScheme({ registerSchemesAsPrivileged: (schemes: unknown) => void (registered = schemes) } as never);
    assert.deepEqual(registered, [{ scheme: 'wordbrush', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
  });

  test('serves the renderer with the CSP and nothing outside it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'wordbrush-renderer-'));
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), '<html></html>');
    writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)');
    const gallery = mkdtempSync(join(tmpdir(), 'wordbrush-gallery-'));
    writeFileSync(join(gallery, 'result.png'), 'png');
    const page = await appResponse(root, gallery, `${APP_ORIGIN}/index.html`);
    assert.equal(page.status, 200);
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'(;|$)/);
    // WebAssembly compiles (the layout worker's HiGHS); JavaScript is never eval'd.
    assert.doesNotMatch(csp, /'unsafe-eval'/);
    const script = await appResponse(root, gallery, `${APP_ORIGIN}/assets/app.js`);
    assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
    const result = await appResponse(root, gallery, `${APP_ORIGIN}/gallery/result.png`);
    assert.equal(result.headers.get('content-type'), 'image/png');
    for (const url of [`${APP_ORIGIN}/..%2f..%2fetc%2fpasswd`, 'wordbrush://other/index.html', `${APP_ORIGIN}/missing.js`, `${APP_ORIGIN}/gallery/..%2fassets%2fapp.js`]) {
      assert.equal((await appResponse(root, gallery, url)).status, 404, url);
    }
  });
});

describe('Electron fuses in electron-builder.yml', () => {
  test('turn off run-as-node, NODE_OPTIONS, inspect flags and file:// privileges, and lock the app to its asar', async () => {
    const fuses = (await loadBuilderConfig()).electronFuses;
    assert.deepEqual(fuses, {
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
    });
  });
});

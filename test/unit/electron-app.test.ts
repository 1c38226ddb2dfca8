import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { ResultMessage } from '../../app/contract/wire';
import { STUDIO_CALL_CHANNEL, STUDIO_EVENT_CHANNEL } from '../../main/shell/channels';
import { launchStudio, type ElectronApi } from '../../main/shell/studio-app';
import { APP_PAGE, mainWindowOptions } from '../../main/shell/window';
import { repoRoot } from '../helpers/paths';
import { waitFor } from '../helpers/wait';

/**
 * Stand-ins for the parts of Electron the app touches, recording what the
 * app does with them; Electron's binary is not installed where tests run.
 */
function fakeElectron() {
  const calls: string[] = [];
  const userData = mkdtempSync(join(tmpdir(), 'wordbrush-userdata-'));
  const app = Object.assign(new EventEmitter(), {
    enableSandbox: () => void calls.push('enableSandbox'),
    whenReady: () => Promise.resolve(),
    getAppPath: () => repoRoot,
    isPackaged: false,
    getVersion: () => '9.9.9',
    getPath: (name: string) => (name === 'userData' ? userData : ''),
    quit: () => void calls.push('quit'),
  });
  const ipcHandlers = new Map<string, (event: unknown, message: unknown) => Promise<ResultMessage> | ResultMessage>();
  const protocolHandlers = new Map<string, unknown>();
  const permissionHandlers: Record<string, unknown> = {};
  const windows: FakeWindow[] = [];
  /** What the fake "unsaved changes" dialog answers: 0 close, 1 keep working. */
  const dialogAnswer = { value: 1 };
  const children: EventEmitter[] = [];

  class FakeWindow extends EventEmitter {
    readonly sent: [string, unknown][] = [];
    loadedUrl = '';
    readonly contentsEvents = new EventEmitter();
    readonly webContents = {
      mainFrame: { url: APP_PAGE, parent: null },
      send: (channel: string, message: unknown) => void this.sent.push([channel, message]),
      on: (name: string, listener: (...args: unknown[]) => void) => this.contentsEvents.on(name, listener),
    };
    constructor(readonly options: unknown) {
      super();
      windows.push(this);
    }
    isDestroyed = () => false;
    show = () => undefined;
    loadURL = async (url: string) => void (this.loadedUrl = url);
  }

  const electron = {
    app,
    BrowserWindow: FakeWindow,
    ipcMain: { handle: (channel: string, handler: never) => void ipcHandlers.set(channel, handler) },
    protocol: {
      registerSchemesAsPrivileged: (schemes: { scheme: string }[]) => void calls.push(`privileged:${schemes.map((s) => s.scheme).join()}`),
      handle: (scheme: string, handler: unknown) => void protocolHandlers.set(scheme, handler),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (h: unknown) => void (permissionHandlers.request = h),
        setPermissionCheckHandler: (h: unknown) => void (permissionHandlers.check = h),
        setDevicePermissionHandler: (h: unknown) => void (permissionHandlers.device = h),
      },
    },
    dialog: { showMessageBoxSync: () => dialogAnswer.value },
    safeStorage: {
      isEncryptionAvailable: () => true,
      encryptString: (text: string) => Buffer.from(text.split('').reverse().join('')),
      decryptString: (data: Buffer) => data.toString().split('').reverse().join(''),
    },
    shell: { openPath: async (path: string) => (calls.push(`open:${path}`), '') },
    utilityProcess: {
      fork: (script: string, args: string[]) => {
        calls.push(`fork:${script}:${args.join(' ')}`);
        const child = Object.assign(new EventEmitter(), { pid: 4242, postMessage: () => undefined, kill: () => child.emit('exit', 0) });
        children.push(child);
        return child;
      },
    },
  };
  return { electron: electron as unknown as ElectronApi, app, calls, ipcHandlers, protocolHandlers, permissionHandlers, windows, userData, dialogAnswer };
}

describe('desktop app wiring (launchStudio)', () => {
  test('hardens everything before showing the studio page, and routes IPC only from it', async () => {
    const fake = fakeElectron();
    await launchStudio(fake.electron);

    assert.ok(fake.calls.includes('enableSandbox'));
    assert.ok(fake.calls.includes('privileged:wordbrush'));
    assert.ok(fake.protocolHandlers.has('wordbrush'), 'renderer not served over the app protocol');
    assert.ok(fake.calls.some((c) => c.startsWith(`fork:${repoRoot}/dist/main/inference.js:--models-dir ${repoRoot}/models --app-version 9.9.9`)));

    // Every web contents created later is hardened too.
    const registered: string[] = [];
    fake.app.emit('web-contents-created', {}, { on: (name: string) => registered.push(name), setWindowOpenHandler: () => registered.push('window-open') });
    assert.deepEqual(registered.sort(), ['will-attach-webview', 'will-frame-navigate', 'will-navigate', 'will-redirect', 'window-open']);

    let granted: boolean | undefined;
    (fake.permissionHandlers.request as (...a: unknown[]) => void)({}, 'media', (g: boolean) => (granted = g));
    assert.equal(granted, false);

    const [studioWindow] = fake.windows;
    assert.ok(studioWindow);
    assert.deepEqual(studioWindow.options, mainWindowOptions(`${repoRoot}/dist/main/preload.js`));
    assert.equal(studioWindow.loadedUrl, APP_PAGE);

    const handler = fake.ipcHandlers.get(STUDIO_CALL_CHANNEL);
    assert.ok(handler);
    const ping = { kind: 'call', id: 3, method: 'app.ping', input: { nonce: 'n' } };
    const fromStudio = await handler({ senderFrame: studioWindow.webContents.mainFrame }, ping);
    assert.equal(fromStudio.ok, true);
    const lookalike = { url: APP_PAGE, parent: null };
    const fromOther = await handler({ senderFrame: lookalike }, ping);
    assert.equal(!fromOther.ok && fromOther.error.code, 'forbidden-sender');

    // The library is the user-data folder's models (none here) and the bundled starter model.
    const models = await handler({ senderFrame: studioWindow.webContents.mainFrame }, { kind: 'call', id: 4, method: 'models.list', input: {} });
    assert.deepEqual(models.ok && (models.output as { models: { id: string }[] }).models.map((m) => m.id), ['starter']);

    // The hub token is kept through safeStorage, never in plain text.
    const setToken = await handler({ senderFrame: studioWindow.webContents.mainFrame }, { kind: 'call', id: 5, method: 'hub.token.set', input: { token: 'hf_secret_token' } });
    assert.deepEqual(setToken.ok && setToken.output, { source: 'stored', storage: 'os-keychain', endpoint: 'https://huggingface.co' });
    const stored = readdirSync(fake.userData).filter((f) => f.startsWith('hub-token'));
    assert.deepEqual(stored, ['hub-token.enc']);
    assert.ok(!readFileSync(join(fake.userData, 'hub-token.enc'), 'utf8').includes('hf_secret_token'));

    // Opening a model's folder goes through the shell, by id.
    const opened = await handler({ senderFrame: studioWindow.webContents.mainFrame }, { kind: 'call', id: 6, method: 'models.openFolder', input: { id: 'starter' } });
    assert.deepEqual(opened.ok && opened.output, { opened: true });
    assert.ok(fake.calls.some((c) => c.startsWith('open:') && c.endsWith(join('models', 'starter'))));
    const galleryOpened = await handler({ senderFrame: studioWindow.webContents.mainFrame }, { kind: 'call', id: 7, method: 'gallery.openFolder', input: {} });
    assert.deepEqual(galleryOpened.ok && galleryOpened.output, { opened: true });
    assert.ok(fake.calls.includes(`open:${join(fake.userData, 'gallery')}`));

    // Closing with unsaved changes: the page's beforeunload asks, main shows the question; "keep working" keeps the window.
    const prevented = (answer: number) => {
      fake.dialogAnswer.value = answer;
      let closes = false;
      studioWindow.contentsEvents.emit('will-prevent-unload', { preventDefault: () => (closes = true) });
      return closes;
    };
    assert.equal(prevented(1), false);
    assert.equal(prevented(0), true);

    // Quitting stops the inference process, and the window hears of it as an event.
    fake.app.emit('before-quit');
    await waitFor('stopped status sent to the window', () =>
      studioWindow.sent.find(([channel, m]) => channel === STUDIO_EVENT_CHANNEL && (m as { payload: { state: string } }).payload.state === 'stopped'),
    );
  });
});

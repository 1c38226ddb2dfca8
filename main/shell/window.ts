import type { BrowserWindowConstructorOptions, Session, WebContents, WebFrameMain, WebPreferences } from 'electron';

export const APP_SCHEME = 'wordbrush';
const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_PAGE = `${APP_ORIGIN}/index.html`;

/** Whether a URL is the studio's own (compared by parts: outside Electron a custom scheme has an opaque origin). */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && parsed.username === '' && parsed.password === '';
  } catch {
    return false;
  }
}

/**
 * The renderer's web preferences: Electron's security checklist, written out
 * rather than left to defaults so a test pins each one.
 */
export function secureWebPreferences(preload: string): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    spellcheck: false,
  };
}

export function mainWindowOptions(preload: string): BrowserWindowConstructorOptions {
  return {
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    backgroundColor: '#15171c',
    title: 'Wordbrush',
    show: false,
    webPreferences: secureWebPreferences(preload),
  };
}

type HardenedContents = Pick<WebContents, 'on' | 'setWindowOpenHandler'>;

/** No page of the studio, nor any frame inside one, may navigate away, open windows or embed webviews. */
export function hardenWebContents(contents: HardenedContents): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  // will-navigate covers only the main frame; an injected iframe navigates through this one.
  contents.on('will-frame-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

type HardenedSession = Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler'>;

/** Camera, microphone, notifications, USB, HID…: the studio needs none, so every request is denied. */
export function hardenSession(session: HardenedSession): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
}

/** Only the studio page's own top frame may speak the contract; iframes or foreign pages may not. */
export function isStudioFrame(frame: Pick<WebFrameMain, 'url' | 'parent'> | null | undefined): boolean {
  return !!frame && frame.parent === null && isAppUrl(frame.url);
}

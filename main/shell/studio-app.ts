import { join } from 'node:path';
import type * as Electron from 'electron';
import { appPaths } from '../core/app-paths';
import { defaultLibrary, settingsFile } from '../core/data-dir';
import { SettingsStore } from '../core/settings-store';
import { createStudioBackend } from '../core/studio-backend';
import { STUDIO_EVENT_CHANNEL } from './channels';
import { registerStudioIpc } from './ipc';
import { registerAppScheme, serveAppProtocol } from './protocol';
import { utilityLauncher } from './utility-launcher';
import { APP_PAGE, hardenSession, hardenWebContents, isStudioFrame, mainWindowOptions } from './window';

/** The parts of Electron the desktop app uses; passed in so a test can check the wiring without Electron's binary. */
export type ElectronApi = Pick<typeof Electron, 'app' | 'BrowserWindow' | 'dialog' | 'ipcMain' | 'protocol' | 'safeStorage' | 'session' | 'shell' | 'utilityProcess'>;

/**
 * Wires the desktop app: sandbox everywhere, every web contents hardened,
 * permissions denied, the renderer served from wordbrush://app, IPC only
 * through the checked studio channel, inference in a utility process.
 */
export function launchStudio(electron: ElectronApi): Promise<void> {
  const { app, BrowserWindow, dialog, ipcMain, protocol, safeStorage, session, shell, utilityProcess } = electron;
  registerAppScheme(protocol);
  app.enableSandbox();
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
  app.on('window-all-closed', () => app.quit());

  return app.whenReady().then(() => {
    hardenSession(session.defaultSession);
    const paths = appPaths(app.getAppPath(), app.getVersion(), app.isPackaged ? join(process.resourcesPath, 'models') : undefined);
    const settings = new SettingsStore(settingsFile(app.getPath('userData')));
    const library = defaultLibrary(app.getPath('userData'), paths.inference.modelsDir, settings.get().settings);
    serveAppProtocol(protocol, paths.rendererDir, library.galleryDir);

    const backend = createStudioBackend({
      mode: 'electron',
      dataDir: app.getPath('userData'),
      version: app.getVersion(),
      launchInference: utilityLauncher((...args) => utilityProcess.fork(...args), { ...paths.inference, cacheDir: library.cacheDir }),
      models: library.models,
      galleryDir: library.galleryDir,
      catalogFile: paths.catalogFile,
      projectsDir: library.projectsDir,
      assetsDir: library.assetsDir,
      hubTokenFile: `${library.hubTokenFile}.enc`,
      ...(safeStorage.isEncryptionAvailable() ? { tokenCipher: { encrypt: (text: string) => safeStorage.encryptString(text), decrypt: (data: Buffer) => safeStorage.decryptString(data) } } : {}),
      openFolder: async (path: string) => (await shell.openPath(path)) === '',
      settings,
      electron: { electron: process.versions.electron ?? '', chrome: process.versions.chrome ?? '' },
    });
    const studioWindow = new BrowserWindow(mainWindowOptions(paths.preload));
    const connection = backend.connect();
    registerStudioIpc(ipcMain, connection, (frame) => isStudioFrame(frame) && frame === studioWindow.webContents.mainFrame);
    // A closed window's generations have no one to show them to.
    studioWindow.on('closed', () => connection.close());
    // The page asks before closing with unsaved changes (beforeunload); Electron leaves the asking to main.
    studioWindow.webContents.on('will-prevent-unload', (event) => {
      const choice = dialog.showMessageBoxSync(studioWindow, { type: 'question', buttons: ['Close without saving', 'Keep working'], defaultId: 1, cancelId: 1, message: 'The project has unsaved changes.', detail: 'They are autosaved and offered back next time, but not saved to the project.' });
      if (choice === 0) event.preventDefault();
    });
    backend.subscribe((message) => {
      if (!studioWindow.isDestroyed()) studioWindow.webContents.send(STUDIO_EVENT_CHANNEL, message);
    });
    studioWindow.once('ready-to-show', () => studioWindow.show());
    app.once('before-quit', () => void backend.stop());
    void studioWindow.loadURL(APP_PAGE);
  });
}

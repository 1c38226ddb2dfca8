import { join } from 'node:path';
import { app, BrowserWindow, ipcMain, protocol, session, utilityProcess } from 'electron';
import { appPaths } from '../core/app-paths';
import { createStudioBackend } from '../core/studio-backend';
import { STUDIO_EVENT_CHANNEL } from './channels';
import { registerStudioIpc } from './ipc';
import { registerAppScheme, serveAppProtocol } from './protocol';
import { utilityLauncher } from './utility-launcher';
import { APP_PAGE, hardenSession, hardenWebContents, isStudioFrame, mainWindowOptions } from './window';

registerAppScheme(protocol);
app.enableSandbox();
app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
app.on('window-all-closed', () => app.quit());

void app.whenReady().then(() => {
  hardenSession(session.defaultSession);
  const paths = appPaths(app.getAppPath(), app.isPackaged ? join(process.resourcesPath, 'models') : undefined);
  serveAppProtocol(protocol, paths.rendererDir);

  const backend = createStudioBackend({
    mode: 'electron',
    version: app.getVersion(),
    launchInference: utilityLauncher(utilityProcess.fork, paths.inference),
    electron: { electron: process.versions.electron, chrome: process.versions.chrome },
  });
  const studioWindow = new BrowserWindow(mainWindowOptions(paths.preload));
  registerStudioIpc(ipcMain, backend, (frame) => isStudioFrame(frame) && frame === studioWindow.webContents.mainFrame);
  backend.subscribe((message) => {
    if (!studioWindow.isDestroyed()) studioWindow.webContents.send(STUDIO_EVENT_CHANNEL, message);
  });
  studioWindow.once('ready-to-show', () => studioWindow.show());
  app.once('before-quit', () => void backend.stop());
  void studioWindow.loadURL(APP_PAGE);
});

/** The two IPC channels of the studio contract under Electron; nothing else crosses ipcMain. */
export const STUDIO_CALL_CHANNEL = 'studio:call';
export const STUDIO_EVENT_CHANNEL = 'studio:event';

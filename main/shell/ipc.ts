import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import type { ResultMessage } from '../../app/contract/wire';
import type { Connection } from '../core/studio-backend';
import { STUDIO_CALL_CHANNEL } from './channels';

/**
 * The only place main listens on IPC. Every message is checked for its sender
 * frame before the router (which validates the payload) sees it.
 */
export function registerStudioIpc(
  ipcMain: Pick<IpcMain, 'handle'>,
  connection: Pick<Connection, 'handle'>,
  isTrustedSender: (frame: IpcMainInvokeEvent['senderFrame']) => boolean,
): void {
  ipcMain.handle(STUDIO_CALL_CHANNEL, (event, message: unknown): Promise<ResultMessage> | ResultMessage => {
    if (!isTrustedSender(event.senderFrame)) {
      return { kind: 'result', id: null, ok: false, error: { code: 'forbidden-sender', message: 'IPC from a frame that is not the studio page' } };
    }
    return connection.handle(message);
  });
}

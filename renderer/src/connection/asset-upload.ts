import type { AssetRef } from '../../../app/contract/conditioning';
import type { StudioClient } from './studio-client';

/** Base64 characters per message: a multiple of 4, so each chunk decodes on its own, and 1 MiB, as the contract allows. */
const CHUNK_CHARS = 1024 * 1024;

const uploaded = new Map<string, Promise<AssetRef>>();

/**
 * Hands main a PNG (a data URL the canvas made) in chunks through the
 * contract, the same way over Electron IPC and browser mode's WebSocket,
 * and answers the id generations name it by. Each picture is sent once per
 * session: assets never change, and main keys them by their bytes.
 */
export function uploadAsset(client: StudioClient, dataUrl: string): Promise<AssetRef> {
  let pending = uploaded.get(dataUrl);
  if (!pending) {
    pending = send(client, dataUrl);
    uploaded.set(dataUrl, pending);
    pending.catch(() => uploaded.delete(dataUrl));
  }
  return pending;
}

/**
 * A gallery result the canvas takes as a picture, `dataUrl` holding that
 * file's own bytes: main makes its file an asset by id, and those bytes are
 * never uploaded (a later run from the picture finds them here).
 */
export function adoptGalleryImage(client: StudioClient, source: { id: string; live: boolean }, dataUrl: string): Promise<AssetRef> {
  const pending = client.call('assets.fromGallery', source).then(({ asset }) => asset);
  uploaded.set(dataUrl, pending);
  pending.catch(() => uploaded.delete(dataUrl));
  return pending;
}

async function send(client: StudioClient, dataUrl: string): Promise<AssetRef> {
  const base64 = dataUrl.replace(/^data:image\/png;base64,/, '');
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  const total = (base64.length / 4) * 3 - padding;
  const upload = `up-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  let received = 0;
  for (let at = 0; at < base64.length; at += CHUNK_CHARS) {
    const answer = await client.call('assets.upload', { upload, offset: received, total, data: base64.slice(at, at + CHUNK_CHARS) });
    if (answer.asset) return answer.asset;
    received = answer.received;
  }
  throw new Error('The studio did not take the whole image');
}

import { useCallback, useEffect, useState } from 'react';
import type { CatalogEntry, DownloadRequest, DownloadStatus, HubTokenStatus, ModelListing } from '../../../app/contract/models';
import type { FamilyId } from '../../../app/contract/generation';
import type { StudioConnection } from '../connection/studio-client';
import type { ConnectionState } from '../connection/socket-port';

export type CatalogItem = CatalogEntry & { readonly installedId: string | null };

export interface ModelLibraryState {
  readonly listing: ModelListing;
  readonly downloads: readonly DownloadStatus[];
  readonly catalog: readonly CatalogItem[];
  readonly token: HubTokenStatus | null;
  /** The last action's failure, in the words main gave. */
  readonly error: string | null;
  /** The last action's outcome when it has something to say (a verify report). */
  readonly notice: string | null;
  readonly actions: ModelActions;
}

export interface ModelActions {
  importModel(path: string, inPlace: boolean): Promise<void>;
  download(request: DownloadRequest): Promise<void>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  cancelDownload(id: string): Promise<void>;
  verify(id: string): Promise<void>;
  remove(id: string): Promise<void>;
  rename(id: string, name: string): Promise<void>;
  setFamily(id: string, family: FamilyId | null): Promise<void>;
  setDefault(id: string): Promise<void>;
  openFolder(id: string): Promise<void>;
  setToken(token: string | null): Promise<void>;
}

const EMPTY: ModelListing = { models: [], problems: [], defaultId: null, freeBytes: null };

/**
 * The model library as main keeps it: listed again whenever the connection
 * comes (back) up or main says the library changed; downloads followed from
 * their events, so every window shows the same progress.
 */
export function useModelLibrary(studio: StudioConnection, connection: ConnectionState): ModelLibraryState {
  const { client } = studio;
  const [listing, setListing] = useState<ModelListing>(EMPTY);
  const [downloads, setDownloads] = useState<ReadonlyMap<string, DownloadStatus>>(new Map());
  const [catalog, setCatalog] = useState<readonly CatalogItem[]>([]);
  const [token, setToken] = useState<HubTokenStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const refresh = useCallback(() => {
    client.call('models.list', {}).then(setListing, (e: Error) => setError(e.message));
    client.call('models.catalog', {}).then(setCatalog, (e: Error) => setError(e.message));
  }, [client]);
  const track = useCallback((status: DownloadStatus) => setDownloads((all) => new Map(all).set(status.id, status)), []);

  useEffect(() => client.on('models.changed', refresh), [client, refresh]);
  useEffect(
    () =>
      client.on('models.download', (status) => {
        track(status);
        if (status.phase === 'done') refresh();
      }),
    [client, track, refresh],
  );
  useEffect(() => {
    if (connection !== 'connected') return;
    refresh();
    client.call('models.downloads', {}).then((list) => setDownloads(new Map(list.map((d) => [d.id, d]))), () => undefined);
    client.call('hub.token', {}).then(setToken, () => undefined);
  }, [client, connection, refresh]);

  /** Runs an action, showing its failure; the library is listed again either way. */
  const act = useCallback(
    async (work: () => Promise<unknown>) => {
      setError(null);
      setNotice(null);
      try {
        await work();
      } catch (e) {
        setError((e as Error).message);
      }
      refresh();
    },
    [refresh],
  );

  const actions: ModelActions = {
    importModel: (path, inPlace) => act(() => client.call('models.import', { path, inPlace })),
    download: (request) => act(async () => track(await client.call('models.download', request))),
    pause: (id) => act(async () => track(await client.call('models.download.pause', { id }))),
    resume: (id) => act(async () => track(await client.call('models.download.resume', { id }))),
    cancelDownload: (id) => act(async () => track(await client.call('models.download.cancel', { id }))),
    verify: (id) =>
      act(async () => {
        const report = await client.call('models.verify', { id });
        setNotice(report.ok ? `${id}: every file matches its manifest` : `${id}: ${report.mismatches.map((m) => `${m.path} ${m.problem}`).join('; ')}`);
      }),
    remove: (id) => act(() => client.call('models.remove', { id })),
    rename: (id, name) => act(() => client.call('models.rename', { id, name })),
    setFamily: (id, family) => act(() => client.call('models.setFamily', { id, family })),
    setDefault: (id) => act(() => client.call('models.setDefault', { id })),
    openFolder: (id) =>
      act(async () => {
        const { opened } = await client.call('models.openFolder', { id });
        if (!opened) setNotice('Folders can be opened from the desktop app only');
      }),
    setToken: (value) => act(async () => setToken(await client.call('hub.token.set', { token: value }))),
  };
  return { listing, downloads: [...downloads.values()], catalog, token, error, notice, actions };
}

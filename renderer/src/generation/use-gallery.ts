import { useCallback, useEffect, useState } from 'react';
import type { GalleryEntry, GalleryRecord } from '../../../app/contract/gallery';
import type { StudioConnection } from '../connection/studio-client';
import type { ConnectionState } from '../connection/socket-port';

export interface GalleryState {
  /** Newest first, as far as loaded. */
  readonly items: readonly GalleryEntry[];
  readonly total: number;
  readonly hasMore: boolean;
  /** The last image sent to the trash, for Undo. */
  readonly trashed: string | null;
  readonly error: string | null;
  loadMore(): void;
  record(id: string): Promise<GalleryRecord>;
  trash(id: string): void;
  undoTrash(): void;
  star(id: string, starred: boolean): void;
  emptyTrash(): void;
  openFolder(): void;
}

const PAGE = 60;

/** Merges changed entries into the list (replacing those with the same id, newest first) and drops removed ones. */
function merge(items: readonly GalleryEntry[], added: readonly GalleryEntry[], removed: readonly string[]): GalleryEntry[] {
  const replaced = new Map(added.map((e) => [e.id, e]));
  const kept = items.filter((e) => !removed.includes(e.id)).map((e) => replaced.get(e.id) ?? e);
  const fresh = added.filter((e) => !items.some((i) => i.id === e.id));
  return [...fresh, ...kept].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/** The gallery main keeps: listed when the connection comes (back) up, kept current from gallery.changed in every window. */
export function useGallery(studio: StudioConnection, connection: ConnectionState): GalleryState {
  const { client } = studio;
  const [items, setItems] = useState<readonly GalleryEntry[]>([]);
  const [total, setTotal] = useState(0);
  const [next, setNext] = useState<string | null>(null);
  const [trashed, setTrashed] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const fail = useCallback((e: Error) => setError(e.message), []);

  useEffect(
    () =>
      client.on('gallery.changed', ({ added, removed }) => {
        setItems((current) => merge(current, added, removed));
        setTotal((t) => t + added.length - removed.length);
      }),
    [client],
  );
  useEffect(() => {
    if (connection !== 'connected') return;
    client.call('gallery.list', { limit: PAGE }).then((page) => {
      setItems(page.items);
      setTotal(page.total);
      setNext(page.next);
    }, fail);
  }, [client, connection, fail]);

  return {
    items,
    total,
    hasMore: next !== null,
    trashed,
    error,
    loadMore: () => {
      if (next === null) return;
      client.call('gallery.list', { before: next, limit: PAGE }).then((page) => {
        setItems((current) => merge(current, page.items, []));
        setNext(page.next);
      }, fail);
    },
    record: (id) => client.call('gallery.get', { id }),
    trash: (id) => client.call('gallery.delete', { id }).then(() => setTrashed(id), fail),
    undoTrash: () => {
      if (trashed) client.call('gallery.restore', { id: trashed }).then(() => setTrashed(null), fail);
    },
    star: (id, starred) => void client.call('gallery.star', { id, starred }).catch(fail),
    emptyTrash: () => client.call('gallery.emptyTrash', {}).then(() => setTrashed(null), fail),
    openFolder: () => void client.call('gallery.openFolder', {}).catch(fail),
  };
}

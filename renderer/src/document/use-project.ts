import { useCallback, useEffect, useState } from 'react';
import { emptyDocument, migrateDocument, type CanvasDocument } from '../../../app/document/document';
import { loadDocument, markSaved, redoEdit, undoEdit, usedAssets, useEditor } from './editor-store';
import type { StudioConnection } from '../connection/studio-client';
import type { ConnectionState } from '../connection/socket-port';

export interface ProjectState {
  readonly name: string | null;
  readonly document: CanvasDocument;
  /** PNG data URLs by asset id. */
  readonly assets: Readonly<Record<string, string>>;
  readonly dirty: boolean;
  /** What an earlier run left unsaved, offered back. */
  readonly recovery: { readonly name: string | null; readonly savedAt: string } | null;
  readonly recent: readonly { readonly name: string; readonly savedAt: string }[];
  readonly error: string | null;
  newProject(): void;
  open(name: string): void;
  save(name: string): void;
  restore(): void;
  discardRecovery(): void;
  /** Takes a document from elsewhere (a result's "Use everything") as a new, unsaved project. */
  adopt(data: { document: unknown; assets: Record<string, string> }): void;
  readonly canUndo: boolean;
  readonly canRedo: boolean;
  undo(): void;
  redo(): void;
}

/**
 * The open project: the canvas document with its images, saved by name
 * through main, autosaved after `autosaveSeconds` without edits, and an
 * autosave a crash left behind offered back on start.
 */
export function useProject(studio: StudioConnection, connection: ConnectionState, autosaveSeconds: number): ProjectState {
  const { client } = studio;
  const [name, setName] = useState<string | null>(null);
  const history = useEditor((s) => s.history);
  const document = history.present;
  const assets = useEditor((s) => s.assets);
  const dirty = useEditor((s) => s.dirty);
  const [recovery, setRecovery] = useState<ProjectState['recovery']>(null);
  const [recent, setRecent] = useState<ProjectState['recent']>([]);
  const [error, setError] = useState<string | null>(null);
  const fail = useCallback((e: Error) => setError(e.message), []);

  const refreshRecent = useCallback(() => void client.call('projects.list', {}).then(setRecent, () => undefined), [client]);
  useEffect(() => {
    if (connection !== 'connected') return;
    refreshRecent();
    client.call('projects.recovery', {}).then(setRecovery, () => undefined);
  }, [client, connection, refreshRecent]);

  // Autosave: a few seconds after the last edit.
  useEffect(() => {
    if (!dirty) return;
    const timer = setTimeout(() => void client.call('projects.autosave', { name, document, assets: usedAssets(document, assets), panel: null }).catch(() => undefined), autosaveSeconds * 1000);
    return () => clearTimeout(timer);
  }, [client, dirty, name, document, assets, autosaveSeconds]);

  // Closing with unsaved changes asks first; and whatever the answer, the work is autosaved as the page goes.
  useEffect(() => {
    if (!dirty) return;
    const onBeforeUnload = (event: BeforeUnloadEvent) => event.preventDefault();
    const onPageHide = () => void client.call('projects.autosave', { name, document, assets: usedAssets(document, assets), panel: null }).catch(() => undefined);
    window.addEventListener('beforeunload', onBeforeUnload);
    window.addEventListener('pagehide', onPageHide);
    return () => {
      window.removeEventListener('beforeunload', onBeforeUnload);
      window.removeEventListener('pagehide', onPageHide);
    };
  }, [client, dirty, name, document, assets]);

  const load = (loadedName: string | null, data: { document: unknown; assets: Record<string, string> }, dirty: boolean) => {
    loadDocument(migrateDocument(data.document), data.assets, dirty);
    setName(loadedName);
    setError(null);
  };

  return {
    name,
    document,
    assets,
    dirty,
    recovery,
    recent,
    error,
    newProject: () => {
      if (dirty && !window.confirm('Discard the unsaved changes?')) return;
      loadDocument(emptyDocument(), {}, false);
      setName(null);
    },
    open: (target) => {
      if (dirty && !window.confirm('Discard the unsaved changes?')) return;
      client.call('projects.open', { name: target }).then((data) => {
        load(target, data, false);
      }, fail);
    },
    save: (target) =>
      void client.call('projects.save', { name: target, document, assets: usedAssets(document, assets), panel: null }).then(() => {
        setName(target);
        markSaved();
        setError(null);
        refreshRecent();
      }, fail),
    restore: () =>
      void client.call('projects.restore', {}).then((data) => {
        load(recovery?.name ?? null, data, true);
        setRecovery(null);
      }, fail),
    discardRecovery: () => void client.call('projects.discardAutosave', {}).then(() => setRecovery(null), fail),
    canUndo: history.past.length > 0,
    canRedo: history.future.length > 0,
    undo: undoEdit,
    redo: redoEdit,
    adopt: (data) => {
      if (dirty && !window.confirm('Discard the unsaved changes?')) return;
      try {
        load(null, data, true);
      } catch (e) {
        setError((e as Error).message);
      }
    },
  };
}

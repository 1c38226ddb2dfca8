import { useCallback, useEffect, useState } from 'react';
import { emptyDocument, migrateDocument, type CanvasDocument } from '../../../app/document/document';
import { defaultRunSettings, runSettingsOf, type RunSettings } from '../../../app/document/run-settings';
import { randomSeed } from '../generation/recall';
import { editorStore, loadDocument, markSaved, redoEdit, undoEdit, usedAssets, useEditor } from './editor-store';
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
  /** Takes a document from elsewhere (a result's "Use everything") as a new, unsaved project, with the run settings it came with. */
  adopt(data: { document: unknown; assets: Record<string, string> }, run: Partial<RunSettings>): void;
  readonly canUndo: boolean;
  readonly canRedo: boolean;
  undo(): void;
  redo(): void;
}

/** Where the name of the open project is kept, so that reloading the page reopens it. */
const OPEN_PROJECT_KEY = 'wordbrush.openProject';

/** A new project's run settings: the last model and provider stay chosen, the rest starts afresh. */
function freshRun(): RunSettings {
  const { model, provider } = editorStore.getState().run;
  return { ...defaultRunSettings(randomSeed()), model, provider };
}

/**
 * The open project: the canvas document with its images and the run settings
 * (prompt, model, numbers, seed), saved by name through main, autosaved after
 * `autosaveSeconds` without edits, an autosave a crash left behind offered
 * back on start, and the project that was open reopened on reload.
 */
export function useProject(studio: StudioConnection, connection: ConnectionState, autosaveSeconds: number): ProjectState {
  const { client } = studio;
  const [name, setName] = useState<string | null>(null);
  const history = useEditor((s) => s.history);
  const document = history.present;
  const assets = useEditor((s) => s.assets);
  const dirty = useEditor((s) => s.dirty);
  const run = useEditor((s) => s.run);
  const [recovery, setRecovery] = useState<ProjectState['recovery']>(null);
  const [recent, setRecent] = useState<ProjectState['recent']>([]);
  const [error, setError] = useState<string | null>(null);
  const fail = useCallback((e: Error) => setError(e.message), []);

  const refreshRecent = useCallback(() => void client.call('projects.list', {}).then(setRecent, () => undefined), [client]);
  const remember = (opened: string | null) => (opened === null ? localStorage.removeItem(OPEN_PROJECT_KEY) : localStorage.setItem(OPEN_PROJECT_KEY, opened));
  const load = (loadedName: string | null, data: { document: unknown; assets: Record<string, string> }, dirty: boolean, loadedRun?: RunSettings) => {
    loadDocument(migrateDocument(data.document), data.assets, dirty, loadedRun);
    setName(loadedName);
    setError(null);
  };
  const openByName = (target: string) =>
    client.call('projects.open', { name: target }).then((data) => {
      load(target, data, false, runSettingsOf(data.panel) ?? freshRun());
      remember(target);
    });

  // On start: an autosave a crash left is offered back; else the project that was open comes back.
  useEffect(() => {
    if (connection !== 'connected') return;
    refreshRecent();
    client.call('projects.recovery', {}).then((found) => {
      setRecovery(found);
      const last = localStorage.getItem(OPEN_PROJECT_KEY);
      if (!found && last && !editorStore.getState().dirty) openByName(last).catch(() => remember(null));
    }, () => undefined);
    // Once per connection: a reconnect must not reopen over the work in progress.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, connection, refreshRecent]);

  // Autosave: a few seconds after the last edit.
  useEffect(() => {
    if (!dirty) return;
    const timer = setTimeout(() => void client.call('projects.autosave', { name, document, assets: usedAssets(document, assets), panel: run }).catch(() => undefined), autosaveSeconds * 1000);
    return () => clearTimeout(timer);
  }, [client, dirty, name, document, assets, run, autosaveSeconds]);

  // Closing with unsaved changes asks first; and whatever the answer, the work is autosaved as the page goes.
  useEffect(() => {
    if (!dirty) return;
    const onBeforeUnload = (event: BeforeUnloadEvent) => event.preventDefault();
    const onPageHide = () => void client.call('projects.autosave', { name, document, assets: usedAssets(document, assets), panel: run }).catch(() => undefined);
    window.addEventListener('beforeunload', onBeforeUnload);
    window.addEventListener('pagehide', onPageHide);
    return () => {
      window.removeEventListener('beforeunload', onBeforeUnload);
      window.removeEventListener('pagehide', onPageHide);
    };
  }, [client, dirty, name, document, assets, run]);

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
      loadDocument(emptyDocument(), {}, false, freshRun());
      setName(null);
      setError(null);
      remember(null);
    },
    open: (target) => {
      if (dirty && !window.confirm('Discard the unsaved changes?')) return;
      openByName(target).catch(fail);
    },
    save: (target) =>
      void client.call('projects.save', { name: target, document, assets: usedAssets(document, assets), panel: run }).then(() => {
        setName(target);
        remember(target);
        markSaved();
        setError(null);
        refreshRecent();
      }, fail),
    restore: () =>
      void client.call('projects.restore', {}).then((data) => {
        load(recovery?.name ?? null, data, true, runSettingsOf(data.panel) ?? undefined);
        remember(recovery?.name ?? null);
        setRecovery(null);
      }, fail),
    discardRecovery: () => void client.call('projects.discardAutosave', {}).then(() => setRecovery(null), fail),
    canUndo: history.past.length > 0,
    canRedo: history.future.length > 0,
    undo: undoEdit,
    redo: redoEdit,
    adopt: (data, recalled) => {
      if (dirty && !window.confirm('Discard the unsaved changes?')) return;
      try {
        load(null, data, true, { ...freshRun(), ...recalled });
        remember(null);
      } catch (e) {
        setError((e as Error).message);
      }
    },
  };
}

import { useCallback, useEffect, useState } from 'react';
import { AssetId, emptyDocument, LayerId, migrateDocument, type CanvasDocument, type Layer } from '../../../app/document/document';
import { commit, redo, startHistory, undo, type History } from '../../../app/document/history';
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
  addImage(url: string, width: number, height: number, name: string): void;
  /** Adds a layout box to the top boxes layer (made when there is none). */
  addBox(rect: { x: number; y: number; width: number; height: number }): void;
  setBoxLabel(layerId: string, boxId: string, label: string): void;
  removeBox(layerId: string, boxId: string): void;
  toggleLayer(id: string): void;
  removeLayer(id: string): void;
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

const newId = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/**
 * The open project: the canvas document with its images, saved by name
 * through main, autosaved after `autosaveSeconds` without edits, and an
 * autosave a crash left behind offered back on start.
 */
export function useProject(studio: StudioConnection, connection: ConnectionState, autosaveSeconds: number): ProjectState {
  const { client } = studio;
  const [name, setName] = useState<string | null>(null);
  const [history, setHistory] = useState<History<CanvasDocument>>(() => startHistory(emptyDocument()));
  const document = history.present;
  const setDocument = (next: CanvasDocument) => setHistory(startHistory(next));
  const [assets, setAssets] = useState<Readonly<Record<string, string>>>({});
  const [dirty, setDirty] = useState(false);
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
    const timer = setTimeout(() => void client.call('projects.autosave', { name, document, assets, panel: null }).catch(() => undefined), autosaveSeconds * 1000);
    return () => clearTimeout(timer);
  }, [client, dirty, name, document, assets, autosaveSeconds]);

  // Closing with unsaved changes asks first; and whatever the answer, the work is autosaved as the page goes.
  useEffect(() => {
    if (!dirty) return;
    const onBeforeUnload = (event: BeforeUnloadEvent) => event.preventDefault();
    const onPageHide = () => void client.call('projects.autosave', { name, document, assets, panel: null }).catch(() => undefined);
    window.addEventListener('beforeunload', onBeforeUnload);
    window.addEventListener('pagehide', onPageHide);
    return () => {
      window.removeEventListener('beforeunload', onBeforeUnload);
      window.removeEventListener('pagehide', onPageHide);
    };
  }, [client, dirty, name, document, assets]);

  /** Every edit is one undo step. */
  const edit = (change: (d: CanvasDocument) => CanvasDocument) => {
    setHistory((h) => commit(h, change(h.present)));
    setDirty(true);
    setError(null);
  };
  const load = (loadedName: string | null, data: { document: unknown; assets: Record<string, string> }) => {
    setDocument(migrateDocument(data.document));
    setAssets(data.assets);
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
    addImage: (url, width, height, layerName) => {
      const asset = AssetId.parse(`asset_${newId()}`);
      setAssets((a) => ({ ...a, [asset]: url }));
      edit((d) => {
        const canvas = d.layers.length === 0 ? { width: Math.min(4096, Math.max(64, width)), height: Math.min(4096, Math.max(64, height)) } : d.canvas;
        const layer: Layer = { id: LayerId.parse(`layer_${newId()}`), name: layerName.slice(0, 100) || 'Image', visible: true, locked: false, opacity: 1, kind: 'image', asset, rect: { x: 0, y: 0, width: 1, height: 1 } };
        return { ...d, canvas, layers: [...d.layers, layer] };
      });
    },
    addBox: (rect) =>
      edit((d) => {
        const box = { id: `box-${newId()}`, rect, label: 'object', strength: 1 };
        const top = d.layers.findLastIndex((l) => l.kind === 'layout-boxes');
        if (top >= 0) return { ...d, layers: d.layers.map((l, i) => (i === top && l.kind === 'layout-boxes' ? { ...l, boxes: [...l.boxes, box] } : l)) };
        const layer: Layer = { id: LayerId.parse(`layer_${newId()}`), name: 'Boxes', visible: true, locked: false, opacity: 1, kind: 'layout-boxes', boxes: [box] };
        return { ...d, layers: [...d.layers, layer] };
      }),
    setBoxLabel: (layerId, boxId, label) =>
      edit((d) => ({ ...d, layers: d.layers.map((l) => (l.id === layerId && l.kind === 'layout-boxes' ? { ...l, boxes: l.boxes.map((b) => (b.id === boxId ? { ...b, label: label.slice(0, 500) || 'object' } : b)) } : l)) })),
    removeBox: (layerId, boxId) => edit((d) => ({ ...d, layers: d.layers.map((l) => (l.id === layerId && l.kind === 'layout-boxes' ? { ...l, boxes: l.boxes.filter((b) => b.id !== boxId) } : l)) })),
    toggleLayer: (id) => edit((d) => ({ ...d, layers: d.layers.map((l) => (l.id === id ? { ...l, visible: !l.visible } : l)) })),
    removeLayer: (id) => edit((d) => ({ ...d, layers: d.layers.filter((l) => l.id !== id) })),
    newProject: () => {
      if (dirty && !window.confirm('Discard the unsaved changes?')) return;
      setDocument(emptyDocument());
      setAssets({});
      setName(null);
      setDirty(false);
    },
    open: (target) => {
      if (dirty && !window.confirm('Discard the unsaved changes?')) return;
      client.call('projects.open', { name: target }).then((data) => {
        load(target, data);
        setDirty(false);
      }, fail);
    },
    save: (target) =>
      void client.call('projects.save', { name: target, document, assets, panel: null }).then(() => {
        setName(target);
        setDirty(false);
        setError(null);
        refreshRecent();
      }, fail),
    restore: () =>
      void client.call('projects.restore', {}).then((data) => {
        load(recovery?.name ?? null, data);
        setDirty(true);
        setRecovery(null);
      }, fail),
    discardRecovery: () => void client.call('projects.discardAutosave', {}).then(() => setRecovery(null), fail),
    canUndo: history.past.length > 0,
    canRedo: history.future.length > 0,
    undo: () => {
      setHistory(undo);
      setDirty(true);
    },
    redo: () => {
      setHistory(redo);
      setDirty(true);
    },
    adopt: (data) => {
      if (dirty && !window.confirm('Discard the unsaved changes?')) return;
      try {
        load(null, data);
        setDirty(true);
      } catch (e) {
        setError((e as Error).message);
      }
    },
  };
}

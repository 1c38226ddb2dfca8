import { useStore } from 'zustand';
import { createStore } from 'zustand/vanilla';
import { assetsOf, emptyDocument, type CanvasDocument, type LayerId } from '../../../app/document/document';
import { commit, redo, startHistory, undo, type History } from '../../../app/document/history';
import { defaultRunSettings, type RunSettings, type StartFrom } from '../../../app/document/run-settings';
import { randomSeed } from '../generation/recall';

/**
 * The editor's one store: the document with its history, its pixels
 * (assets), the selection, the active tool and the run being set up (prompt,
 * model, numbers, seed, start picture), which a project saves with the document.
 *
 * Zustand, because the canvas is drawn by imperative Konva adapters that
 * subscribe to the store outside React: a pan or a brush move touches no
 * React tree. History is of whole documents: they are immutable values that
 * share every unchanged layer, so a step costs a few pointers and an undo
 * restores the document exactly, which patches (immer) or a CRDT (Yjs) would
 * only approximate with more machinery for a single-window editor.
 */

export type Tool = 'move' | 'pan' | 'brush' | 'eraser' | 'box';

export interface BrushSettings {
  /** Diameter in document pixels. */
  readonly size: number;
  /** 1: a hard edge; 0: a soft one. */
  readonly hardness: number;
}

export interface PromptSelection {
  readonly start: number;
  readonly end: number;
}

export interface EditorState {
  readonly history: History<CanvasDocument>;
  /** PNG data URLs by asset id; never changed once added, so undo can point back at older ones. */
  readonly assets: Readonly<Record<string, string>>;
  readonly dirty: boolean;
  readonly selected: LayerId | null;
  /** A box of the selected boxes layer, picked on the canvas. */
  readonly pickedBox: string | null;
  readonly tool: Tool;
  readonly brush: BrushSettings;
  /** The run being set up; its seed is the next run's, which scene graphs are laid out with. */
  readonly run: RunSettings;
  /** The words selected in the prompt, which the next stroke binds to a new region. */
  readonly promptSelection: PromptSelection | null;
  /** Results waiting over the page to be accepted (as a layer) or discarded; null when none are. */
  readonly staged: Staging | null;
  /** Ticks when a scene graph's layout arrives from the layout worker: what shows layouts redraws. */
  readonly layoutsSolved: number;
  /** Live mode: every edit redraws with the seed kept (a session's choice, not the project's). */
  readonly live: boolean;
}

/** A result on the staging area: a gallery image by id (a live one from the gallery's live folder), its URL and the name its layer gets. */
export interface StagedImage {
  readonly id: string;
  readonly live: boolean;
  readonly url: string;
  readonly name: string;
}

export interface Staging {
  readonly images: readonly StagedImage[];
  /** The one shown. */
  readonly index: number;
}

export const BRUSH_SIZES = { min: 1, max: 512 } as const;

const initialState = (): EditorState => ({
  history: startHistory(emptyDocument()),
  assets: {},
  dirty: false,
  selected: null,
  pickedBox: null,
  tool: 'move',
  brush: { size: 32, hardness: 0.8 },
  run: defaultRunSettings(randomSeed()),
  promptSelection: null,
  staged: null,
  live: false,
  layoutsSolved: 0,
});

export const editorStore = createStore<EditorState>()(initialState);

export const documentOf = (state: EditorState): CanvasDocument => state.history.present;

/**
 * Changes the document as one undo step; `amend` folds the change into the
 * last step instead (the first stroke of a region made by that stroke).
 */
export function edit(change: (document: CanvasDocument) => CanvasDocument, assets?: Readonly<Record<string, string>>, amend = false): void {
  editorStore.setState((s) => {
    const next = change(s.history.present);
    const history = amend && s.history.past.length > 0 ? { ...s.history, present: next } : commit(s.history, next);
    if (history === s.history && !assets) return s;
    return { history, assets: assets ? { ...s.assets, ...assets } : s.assets, dirty: true };
  });
}

export const undoEdit = () => editorStore.setState((s) => (s.history.past.length > 0 ? { history: undo(s.history), dirty: true } : s));
export const redoEdit = () => editorStore.setState((s) => (s.history.future.length > 0 ? { history: redo(s.history), dirty: true } : s));

/** A document from a file, a recovery or a result: a fresh history, with the run settings saved beside it (kept as they are when none come). */
export function loadDocument(document: CanvasDocument, assets: Readonly<Record<string, string>>, dirty: boolean, run?: RunSettings): void {
  editorStore.setState((s) => ({ history: startHistory(document), assets, dirty, selected: null, pickedBox: null, run: run ?? s.run, promptSelection: run ? null : s.promptSelection, staged: null }));
}

/**
 * A page without pixels (empty, or only boxes and graphs, which are placed
 * in fractions of it) is the size the next run makes, without an undo step:
 * nothing on it has a size of its own.
 */
export function fitPixelFreeCanvas(size: { width: number; height: number }): void {
  editorStore.setState((s) => {
    const present = s.history.present;
    if (assetsOf(present).length > 0 || (present.canvas.width === size.width && present.canvas.height === size.height)) return s;
    return { history: { ...s.history, present: { ...present, canvas: { width: size.width, height: size.height } } } };
  });
}

/** The pixels the document refers to, without those only undo steps still name: what is saved and kept with a result. */
export function usedAssets(document: CanvasDocument, assets: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(assetsOf(document).flatMap((id) => (assets[id] ? [[id, assets[id]] as const] : [])));
}

export const markSaved = () => editorStore.setState({ dirty: false });
export const setTool = (tool: Tool) => editorStore.setState({ tool });
export const select = (selected: LayerId | null) => editorStore.setState((s) => (s.selected === selected ? s : { selected, pickedBox: null }));
export const pickBox = (layer: LayerId, box: string | null) => editorStore.setState({ selected: layer, pickedBox: box });
export const setBrush = (change: Partial<BrushSettings>) =>
  editorStore.setState((s) => {
    const brush = { ...s.brush, ...change };
    return { brush: { size: Math.round(Math.min(BRUSH_SIZES.max, Math.max(BRUSH_SIZES.min, brush.size))), hardness: Math.min(1, Math.max(0, brush.hardness)) } };
  });
/** Changes the run's settings: part of the project, so it is saved (and autosaved) with the document. */
export const setRun = (change: Partial<RunSettings>) => editorStore.setState((s) => ({ run: { ...s.run, ...change }, dirty: true }));
export const setPrompt = (prompt: string) => setRun({ prompt });
export const setStartFrom = (startFrom: StartFrom | null) => setRun({ startFrom });
/** Puts results on the staging area, the first shown; an empty list clears it. */
export const stage = (images: readonly StagedImage[]) => editorStore.setState({ staged: images.length > 0 ? { images, index: 0 } : null });
/** Shows the next (1) or previous (-1) staged result, wrapping round. */
export const stepStaged = (delta: 1 | -1) =>
  editorStore.setState((s) => (s.staged ? { staged: { ...s.staged, index: (s.staged.index + delta + s.staged.images.length) % s.staged.images.length } } : s));
export const discardStaged = () => editorStore.setState({ staged: null });
export const setLive = (live: boolean) => editorStore.setState({ live });
export const setPromptSelection = (promptSelection: PromptSelection | null) => editorStore.setState({ promptSelection });

export function useEditor<T>(selector: (state: EditorState) => T): T {
  return useStore(editorStore, selector);
}

// The brush is a share of the page (a sixteenth of a new 512 px one): when the page changes size, so does the brush.
editorStore.subscribe((state, previous) => {
  const [now, before] = [state.history.present.canvas, previous.history.present.canvas];
  if (now.width === before.width && now.height === before.height) return;
  setBrush({ size: (state.brush.size * Math.max(now.width, now.height)) / Math.max(before.width, before.height) });
});

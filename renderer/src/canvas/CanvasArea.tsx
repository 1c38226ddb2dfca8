import { useCallback, useEffect, useRef, useState } from 'react';
import { removeBox, resizeCanvas, updateBox } from '../../../app/document/edits';
import { nounPhrases } from '../../../app/domain/noun-phrases';
import { acceptStaged, addBoxAt, addWordRegion, commitMask, removeLayer } from '../document/actions';
import { discardStaged, documentOf, edit, editorStore, pickBox, select, setBrush, setTool, stepStaged, useEditor, type Tool } from '../document/editor-store';
import type { StudioClient } from '../connection/studio-client';
import type { GenerationState } from '../generation/use-generation';
import { RunProgress } from './RunProgress';
import { blankMaskPng } from './mask-pixels';
import { StageView } from './stage-view';
import { useElementSize } from './use-element-size';
import { useHtmlImage } from './use-html-image';
import type { Size } from './viewport';

const KEY_ZOOM = 1.25;
const BRUSH_STEP = 1.2;

const TOOLS: readonly { tool: Tool; name: string; key: string; title: string }[] = [
  { tool: 'move', name: 'Move', key: 'V', title: 'Select and move boxes; drag elsewhere to pan' },
  { tool: 'pan', name: 'Pan', key: 'H', title: 'Move the view (or hold Space, or drag with the middle button)' },
  { tool: 'brush', name: 'Brush', key: 'B', title: 'Paint the selected words of the prompt, or the selected region' },
  { tool: 'eraser', name: 'Eraser', key: 'E', title: 'Erase from the selected region' },
  { tool: 'box', name: 'Box', key: 'R', title: 'Draw a layout box' },
];

interface Props {
  /** The page's size in pixels: the document's canvas. */
  readonly page: Size;
  /** The size the next run makes, when a page holding pictures has another: the canvas offers to resize the page to it. */
  readonly runSize: Size | null;
  /** The running generation: its progress, preview and Cancel are shown on the canvas. */
  readonly generation: GenerationState;
  /** The studio, which makes an accepted result an asset from its own gallery file. */
  readonly client: StudioClient;
  /** Says why a tool did nothing (a stroke with nowhere to go). */
  readonly onHint: (message: string) => void;
}

/** The label a new box gets: the first thing the prompt names that no box has yet. */
function suggestedLabel(): string {
  const state = editorStore.getState();
  const taken = new Set(documentOf(state).layers.flatMap((l) => (l.kind === 'layout-boxes' ? l.boxes.map((b) => b.label.toLowerCase()) : [])));
  return nounPhrases(state.run.prompt).find((p) => !taken.has(p.toLowerCase())) ?? 'object';
}

/**
 * Where a stroke goes: the words selected in the prompt (their region, made
 * now if there is none), else the selected painted layer. An eraser never
 * makes a region.
 */
function strokeTarget(erase: boolean, onHint: (message: string) => void) {
  const state = editorStore.getState();
  const document = documentOf(state);
  const selection = state.promptSelection;
  const phrase = selection ? state.run.prompt.slice(selection.start, selection.end).trim() : '';
  if (phrase) {
    const bound = document.layers.find((l) => l.kind === 'word-region' && l.phrase.toLowerCase() === phrase.toLowerCase());
    if (bound && !bound.locked) {
      select(bound.id);
      return { layer: bound.id, made: false };
    }
    if (!erase && !bound) return { layer: addWordRegion(phrase, blankMaskPng(document.canvas.width, document.canvas.height)), made: true };
  }
  const selected = document.layers.find((l) => l.id === state.selected);
  if (selected && StageView.paintable(selected)) return { layer: selected.id, made: false };
  onHint(erase ? 'Select a painted region in Layers to erase from it' : 'Select words in the prompt to paint them, or select a region in Layers');
  return null;
}

/**
 * The canvas: a Konva stage the StageView draws from the editor store, the
 * tool bar, and the tools' shortcuts (shown in each button's name and tooltip).
 */
export function CanvasArea({ page, runSize, generation, client, onHint }: Props) {
  const previewUrl = generation.preview;
  const staged = useEditor((s) => s.staged);
  const stagedImage = staged ? staged.images[staged.index]! : null;
  const container = useRef<HTMLDivElement>(null);
  const stage = useRef<StageView | null>(null);
  const size = useElementSize(container);
  const [zoom, setZoom] = useState(1);
  const tool = useEditor((s) => s.tool);
  const brush = useEditor((s) => s.brush);
  const hint = useRef(onHint);
  const running = useRef(generation.running);
  useEffect(() => {
    hint.current = onHint;
    running.current = generation.running;
  }, [onHint, generation.running]);

  useEffect(() => {
    const element = container.current!;
    const view = new StageView(element, {
      onView: (v) => {
        // Read by tests and tools that need to find the page on screen.
        Object.assign(element.dataset, { scale: v.scale.toFixed(4), x: v.x.toFixed(1), y: v.y.toFixed(1) });
        setZoom(v.scale);
      },
      onBoxDrawn: (rect) => addBoxAt(rect, suggestedLabel()),
      onBoxChange: (layer, boxId, rect) => edit((d) => updateBox(d, layer, boxId, { rect })),
      onBoxSelect: pickBox,
      strokeTarget: (erase) => strokeTarget(erase, hint.current),
      onStroke: commitMask,
    });
    stage.current = view;
    return () => {
      view.destroy();
      stage.current = null;
    };
  }, []);
  useEffect(() => stage.current?.resize(size), [size]);
  useEffect(() => stage.current?.setPage(page), [page]);
  // An accepted result that cannot be taken (a live one already pruned) says so where the person looks.
  const accept = useCallback(() => void acceptStaged(client).catch((e: Error) => hint.current(`Not accepted: ${e.message}`)), [client]);
  const stagedPicture = useHtmlImage(stagedImage?.url ?? null);
  useEffect(() => stage.current?.setStagedImage(stagedImage ? stagedPicture : null), [stagedPicture, stagedImage]);
  const preview = useHtmlImage(previewUrl);
  useEffect(() => stage.current?.setPreview(previewUrl ? preview : null), [preview, previewUrl]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      // Alt+key picks a tool from anywhere, the prompt included (by the key's place: Alt changes the character on a Mac).
      const fromAnywhere = event.altKey && !event.ctrlKey && !event.metaKey ? TOOLS.find((t) => event.code === `Key${t.key}`) : undefined;
      if (fromAnywhere) {
        setTool(fromAnywhere.tool);
        event.preventDefault();
        return;
      }
      if (event.target instanceof HTMLElement && event.target.closest('input, textarea, select, [contenteditable]')) return;
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      // Staged results: ← → step through them, Enter accepts the one shown, Esc discards them (Esc cancels a run first).
      if (editorStore.getState().staged) {
        const act = { ArrowLeft: () => stepStaged(-1), ArrowRight: () => stepStaged(1), Enter: accept, Escape: discardStaged }[event.key];
        // Enter on a focused button presses that button; Esc while a run goes cancels the run.
        const taken = (event.key === 'Enter' && event.target instanceof HTMLElement && event.target.closest('button')) || (event.key === 'Escape' && running.current);
        if (act && !taken) {
          act();
          event.preventDefault();
          return;
        }
      }
      const chosen = TOOLS.find((t) => t.key.toLowerCase() === event.key.toLowerCase());
      const view = stage.current;
      if (chosen) setTool(chosen.tool);
      else if (event.key === '[') setBrush({ size: editorStore.getState().brush.size / BRUSH_STEP });
      else if (event.key === ']') setBrush({ size: editorStore.getState().brush.size * BRUSH_STEP });
      else if (event.key === '0') view?.fit();
      else if (event.key === '+' || event.key === '=') view?.zoomBy(KEY_ZOOM);
      else if (event.key === '-') view?.zoomBy(1 / KEY_ZOOM);
      else if (event.key === 'Delete' || event.key === 'Backspace') {
        // A picked box goes; else the selected layer.
        const { selected, pickedBox } = editorStore.getState();
        if (selected && pickedBox) {
          edit((d) => removeBox(d, selected, pickedBox));
          pickBox(selected, null);
        } else if (selected) removeLayer(selected);
      } else return;
      event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [accept]);

  return (
    <section className="canvas-area" aria-label="Canvas">
      <div
        ref={container}
        className="canvas-stage"
        tabIndex={0}
        role="application"
        aria-label="Canvas page: paint, draw boxes, pan and zoom"
        data-testid="canvas"
        data-image={stagedImage && stagedPicture ? stagedImage.url : ''}
        data-page={`${page.width}x${page.height}`}
        data-tool={tool}
        data-preview={previewUrl && preview ? 'shown' : ''}
      />
      <div className="canvas-top">
        <RunProgress generation={generation} />
        {staged && stagedImage && (
          <div className="staging" role="group" aria-label="Staged results">
            <span data-testid="staged-count">
              {stagedImage.name} ({staged.index + 1} of {staged.images.length})
            </span>
            <button type="button" onClick={() => stepStaged(-1)} disabled={staged.images.length < 2} aria-label="Previous result (←)" title="Previous result (←)">
              ‹
            </button>
            <button type="button" onClick={() => stepStaged(1)} disabled={staged.images.length < 2} aria-label="Next result (→)" title="Next result (→)">
              ›
            </button>
            <button type="button" className="primary" onClick={accept} aria-label="Accept (Enter)" title="Keep it as a picture layer (Enter)">
              Accept
            </button>
            <button type="button" onClick={discardStaged} aria-label="Discard (Esc)" title="Discard the staged results (Esc)">
              Discard
            </button>
          </div>
        )}
        {runSize && !staged && (
          <button type="button" className="resize-offer" onClick={() => edit((d) => resizeCanvas(d, runSize))} title="The page holds pictures at another size than the run makes; its layers scale with it">
            Resize the page to {runSize.width}×{runSize.height}
          </button>
        )}
      </div>
      <div className="canvas-toolbar" role="toolbar" aria-label="Canvas tools">
        {TOOLS.map((t) => (
          <button key={t.tool} type="button" aria-pressed={tool === t.tool} onClick={() => setTool(t.tool)} title={`${t.title} (${t.key})`} aria-label={`${t.name} (${t.key})`}>
            {t.name}
          </button>
        ))}
        {(tool === 'brush' || tool === 'eraser') && (
          <>
            <label className="inline-field" title="Brush size ([ and ])">
              <span>Size</span>
              <input type="range" min={1} max={256} value={brush.size} aria-label="Brush size ([ and ])" onChange={(e) => setBrush({ size: Number(e.target.value) })} />
              <output>{brush.size}</output>
            </label>
            <label className="inline-field" title="Hardness: soft edges blend, hard ones cut">
              <span>Hardness</span>
              <input type="range" min={0} max={1} step={0.05} value={brush.hardness} aria-label="Brush hardness" onChange={(e) => setBrush({ hardness: Number(e.target.value) })} />
            </label>
          </>
        )}
        <button type="button" onClick={() => stage.current?.zoomBy(1 / KEY_ZOOM)} title="Zoom out (-)" aria-label="Zoom out (-)">
          −
        </button>
        <span data-testid="zoom-level">{Math.round(zoom * 100)}%</span>
        <button type="button" onClick={() => stage.current?.zoomBy(KEY_ZOOM)} title="Zoom in (+)" aria-label="Zoom in (+)">
          +
        </button>
        <button type="button" onClick={() => stage.current?.fit()} title="Fit to window (0)" aria-label="Fit (0)">
          Fit
        </button>
      </div>
    </section>
  );
}

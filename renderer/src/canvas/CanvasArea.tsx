import { useEffect, useRef, useState } from 'react';
import { removeBox, updateBox } from '../../../app/document/edits';
import { nounPhrases } from '../../../app/domain/noun-phrases';
import { addBoxAt, addWordRegion, commitMask, removeLayer } from '../document/actions';
import { documentOf, edit, editorStore, pickBox, select, setBrush, setTool, useEditor, type Tool } from '../document/editor-store';
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
  /** The page's size in pixels: the document's canvas, or the shown result's. */
  readonly page: Size;
  /** A gallery result shown on the page while the document has no pictures. */
  readonly viewerUrl: string | null;
  /** The running generation's latest estimate. */
  readonly previewUrl: string | null;
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
export function CanvasArea({ page, viewerUrl, previewUrl, onHint }: Props) {
  const container = useRef<HTMLDivElement>(null);
  const stage = useRef<StageView | null>(null);
  const size = useElementSize(container);
  const [zoom, setZoom] = useState(1);
  const tool = useEditor((s) => s.tool);
  const brush = useEditor((s) => s.brush);
  const hint = useRef(onHint);
  useEffect(() => {
    hint.current = onHint;
  }, [onHint]);

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
  const layoutSeed = useEditor((s) => s.run.seed);
  useEffect(() => stage.current?.setLayoutSeed(layoutSeed), [layoutSeed]);
  const viewer = useHtmlImage(viewerUrl);
  useEffect(() => stage.current?.setViewerImage(viewer), [viewer]);
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
  }, []);

  return (
    <section className="canvas-area" aria-label="Canvas">
      <div ref={container} className="canvas-stage" tabIndex={0} role="application" aria-label="Canvas page: paint, draw boxes, pan and zoom" data-testid="canvas" data-image={viewer ? viewerUrl : ''} data-page={`${page.width}x${page.height}`} data-tool={tool} data-preview={previewUrl && preview ? 'shown' : ''} />
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

import Konva from 'konva';
import type { Layer, LayerId } from '../../../app/document/document';
import { documentOf, editorStore, type EditorState } from '../document/editor-store';
import type { AdapterContext, LayerAdapter } from './adapters/adapter';
import { boxesAdapter } from './adapters/boxes-adapter';
import { graphAdapter } from './adapters/graph-adapter';
import { imageAdapter } from './adapters/image-adapter';
import { maskAdapter, type MaskAdapter, type StrokePoint } from './adapters/mask-adapter';
import { fitDocument, panBy, wheelZoomFactor, zoomAt, type Size, type Viewport } from './viewport';

type Rect01 = { x: number; y: number; width: number; height: number };

export interface StageCallbacks {
  /** The view moved or zoomed (for the zoom figure; nothing else re-renders). */
  onView(view: Viewport): void;
  onBoxDrawn(rect: Rect01): void;
  onBoxChange(layer: LayerId, boxId: string, rect: Rect01): void;
  onBoxSelect(layer: LayerId, boxId: string): void;
  /** The mask layer a brush or eraser stroke starting now paints, made for it (`made`) if need be; null (with the reason said) when there is none. */
  strokeTarget(erase: boolean): { layer: LayerId; made: boolean } | null;
  onStroke(layer: LayerId, png: string, made: boolean): void;
}

const isMaskKind = (layer: Layer) => layer.kind === 'word-region' || layer.kind === 'regional-prompt' || layer.kind === 'inpaint-mask';

function adapterFor(layer: Layer): LayerAdapter {
  switch (layer.kind) {
    case 'image':
      return imageAdapter() as LayerAdapter;
    case 'layout-boxes':
      return boxesAdapter() as LayerAdapter;
    case 'scene-graph':
      return graphAdapter() as LayerAdapter;
    default:
      return maskAdapter() as LayerAdapter;
  }
}

type Gesture =
  | { kind: 'pan'; last: { x: number; y: number } }
  | { kind: 'box'; from: { x: number; y: number } }
  | { kind: 'stroke'; layer: LayerId; made: boolean; points: StrokePoint[] }
  | { kind: 'konva' }
  | { kind: 'pinch'; distance: number; middle: { x: number; y: number } };

/**
 * The canvas, drawn by Konva from the editor store without React: one
 * adapter per layer, updated only when its layer (an immutable value), the
 * assets, the selection, the tool or the zoom changed. The viewport lives
 * here too, so panning and zooming move one Konva layer and nothing else.
 */
export class StageView {
  private readonly stage: Konva.Stage;
  private readonly world = new Konva.Layer();
  private readonly overlay = new Konva.Layer({ listening: false });
  private readonly page = new Konva.Rect({ fill: '#2a2e37', shadowColor: '#000', shadowBlur: 24, shadowOpacity: 0.5, listening: false });
  /** A result waiting to be accepted or discarded, over the page and its layers. */
  private readonly staged = new Konva.Image({ image: undefined, listening: false, visible: false });
  private readonly preview = new Konva.Image({ image: undefined, listening: false });
  private readonly cursor = new Konva.Circle({ stroke: '#fff', strokeWidth: 1, visible: false, shadowColor: '#000', shadowBlur: 2 });
  private readonly boxDraft = new Konva.Rect({ stroke: '#e5c07b', visible: false });
  private readonly adapters = new Map<LayerId, { adapter: LayerAdapter; drawn: string }>();
  private view: Viewport | null = null;
  private pageSize: Size = { width: 512, height: 512 };
  private gesture: Gesture | null = null;
  private spaceHeld = false;
  /** Fingers on the canvas: two make a pinch. */
  private readonly touches = new Map<number, { x: number; y: number }>();
  private readonly unsubscribe: () => void;
  /** The zoom the adapters last drew for. */
  private drawnScale = 0;

  constructor(
    private readonly container: HTMLDivElement,
    private readonly callbacks: StageCallbacks,
  ) {
    this.stage = new Konva.Stage({ container, width: Math.max(1, container.clientWidth), height: Math.max(1, container.clientHeight) });
    for (const node of [this.page, this.staged, this.preview]) node.size(this.pageSize);
    this.world.add(this.page);
    this.overlay.add(this.staged, this.preview, this.boxDraft, this.cursor);
    this.stage.add(this.world, this.overlay);
    this.unsubscribe = editorStore.subscribe((state, previous) => {
      if (state.history !== previous.history || state.assets !== previous.assets || state.selected !== previous.selected || state.tool !== previous.tool || state.pickedBox !== previous.pickedBox || state.layoutsSolved !== previous.layoutsSolved || state.run.seed !== previous.run.seed) this.sync();
      if (state.brush !== previous.brush || state.tool !== previous.tool) this.updateCursor(null);
    });
    container.addEventListener('pointerdown', this.onPointerDown);
    container.addEventListener('pointermove', this.onPointerMove);
    container.addEventListener('pointerup', this.onPointerUp);
    container.addEventListener('pointercancel', this.onPointerUp);
    container.addEventListener('pointerleave', this.onPointerLeave);
    container.addEventListener('wheel', this.onWheel, { passive: false });
    window.addEventListener('keydown', this.onSpace);
    window.addEventListener('keyup', this.onSpace);
    this.sync();
  }

  destroy(): void {
    this.unsubscribe();
    this.container.removeEventListener('pointerdown', this.onPointerDown);
    this.container.removeEventListener('pointermove', this.onPointerMove);
    this.container.removeEventListener('pointerup', this.onPointerUp);
    this.container.removeEventListener('pointercancel', this.onPointerUp);
    this.container.removeEventListener('pointerleave', this.onPointerLeave);
    this.container.removeEventListener('wheel', this.onWheel);
    window.removeEventListener('keydown', this.onSpace);
    window.removeEventListener('keyup', this.onSpace);
    this.stage.destroy();
  }

  resize(size: Size): void {
    this.stage.size({ width: Math.max(1, size.width), height: Math.max(1, size.height) });
    this.applyView();
  }

  /** The page's size (the document's canvas, or the shown result's). */
  setPage(size: Size): void {
    if (size.width === this.pageSize.width && size.height === this.pageSize.height) return;
    this.pageSize = size;
    this.page.size(size);
    this.staged.size(size);
    this.preview.size(size);
    this.sync(true);
    this.applyView();
  }

  /** A staged result, drawn over the page and its layers until it is accepted or discarded. */
  setStagedImage(image: HTMLImageElement | null): void {
    this.staged.image(image ?? undefined);
    this.staged.visible(image !== null);
    this.overlay.batchDraw();
  }

  /** The running generation's latest estimate, drawn over the page in the generation frame. */
  setPreview(image: HTMLImageElement | null): void {
    this.preview.image(image ?? undefined);
    this.preview.visible(image !== null);
    this.overlay.batchDraw();
  }

  current(): Viewport {
    return this.view ?? fitDocument(this.stage.size(), this.pageSize);
  }

  fit(): void {
    this.view = null;
    this.applyView();
  }

  zoomBy(factor: number, anchor = { x: this.stage.width() / 2, y: this.stage.height() / 2 }): void {
    this.view = zoomAt(this.current(), anchor, factor);
    this.applyView();
  }

  panBy(dx: number, dy: number): void {
    this.view = panBy(this.current(), dx, dy);
    this.applyView();
  }

  private applyView(): void {
    const view = this.current();
    for (const layer of [this.world, this.overlay]) layer.setAttrs({ x: view.x, y: view.y, scaleX: view.scale, scaleY: view.scale });
    // Zoomed in, a person inspects pixels: show them as squares, not smoothed.
    for (const layer of [this.world, this.overlay]) layer.imageSmoothingEnabled(view.scale < 1.5);
    // Strokes and labels keep their size on screen, so adapters redraw when the zoom changes (not when it pans).
    if (this.drawnScale !== view.scale) {
      this.drawnScale = view.scale;
      this.boxDraft.setAttrs({ strokeWidth: 2 / view.scale, dash: [6 / view.scale, 4 / view.scale] });
      this.cursor.strokeWidth(1 / view.scale);
      this.sync(true);
    }
    this.stage.batchDraw();
    this.callbacks.onView(view);
  }

  /** Brings the adapters in line with the store: made, updated, reordered, removed. */
  private sync(force = false): void {
    const state = editorStore.getState();
    const document = documentOf(state);
    const seen = new Set<LayerId>();
    document.layers.forEach((layer, index) => {
      seen.add(layer.id);
      let entry = this.adapters.get(layer.id);
      if (entry && entry.adapter.group.getAttr('kind') !== layer.kind) {
        entry.adapter.destroy();
        entry = undefined;
      }
      if (!entry) {
        const adapter = adapterFor(layer);
        adapter.group.setAttr('kind', layer.kind);
        this.world.add(adapter.group);
        entry = { adapter, drawn: '' };
        this.adapters.set(layer.id, entry);
      }
      // Above the page.
      entry.adapter.group.zIndex(index + 1);
      const key = this.drawKey(layer, state);
      if (force || key !== entry.drawn) {
        entry.adapter.update(layer, this.context(layer, state));
        entry.drawn = key;
      }
    });
    for (const [id, entry] of this.adapters) {
      if (seen.has(id)) continue;
      entry.adapter.destroy();
      this.adapters.delete(id);
    }
    this.world.batchDraw();
  }

  /** What an adapter's drawing depends on besides its layer's contents. */
  private drawKey(layer: Layer, state: EditorState): string {
    const asset = layer.kind === 'image' ? state.assets[layer.asset] : 'mask' in layer ? state.assets[layer.mask] : '';
    return [layerVersion(layer), asset?.length ?? 0, state.selected === layer.id, state.tool, state.selected === layer.id ? state.pickedBox : '', this.drawnScale, layer.kind === 'scene-graph' ? `${state.run.seed}:${state.layoutsSolved}` : ''].join('|');
  }

  private context(layer: Layer, state: EditorState): AdapterContext {
    return {
      page: this.pageSize,
      assets: state.assets,
      scale: this.drawnScale || 1,
      selected: state.selected === layer.id,
      tool: state.tool,
      // Read with the document, in the same store update: a graph is never drawn for a seed the run will not take.
      layoutSeed: state.run.seed,
      redraw: () => this.world.batchDraw(),
      onBoxChange: this.callbacks.onBoxChange,
      onBoxSelect: this.callbacks.onBoxSelect,
      pickedBox: state.pickedBox,
    };
  }

  private toPage(event: PointerEvent): { x: number; y: number } {
    const bounds = this.container.getBoundingClientRect();
    const view = this.current();
    return { x: (event.clientX - bounds.left - view.x) / view.scale, y: (event.clientY - bounds.top - view.y) / view.scale };
  }

  private pinchOf(): { distance: number; middle: { x: number; y: number } } {
    const [a, b] = [...this.touches.values()] as [{ x: number; y: number }, { x: number; y: number }];
    const bounds = this.container.getBoundingClientRect();
    return { distance: Math.hypot(a.x - b.x, a.y - b.y), middle: { x: (a.x + b.x) / 2 - bounds.left, y: (a.y + b.y) / 2 - bounds.top } };
  }

  private readonly onPointerDown = (event: PointerEvent) => {
    if (event.pointerType === 'touch') {
      this.touches.set(event.pointerId, { x: event.clientX, y: event.clientY });
      if (this.touches.size === 2) {
        // A second finger turns whatever the first began into a pinch: what it drew so far stays.
        this.finish(event);
        this.gesture = { kind: 'pinch', ...this.pinchOf() };
        return;
      }
    }
    if (event.button !== 0 && event.button !== 1) return;
    const { tool, brush } = editorStore.getState();
    const panning = event.button === 1 || this.spaceHeld || tool === 'pan';
    if (!panning && tool === 'move') {
      // A box under the pointer is Konva's to drag; elsewhere the move tool pans.
      const hit = this.stage.getIntersection(this.stage.getPointerPosition() ?? { x: -1, y: -1 });
      if (hit) {
        this.gesture = { kind: 'konva' };
        return;
      }
    }
    try {
      this.container.setPointerCapture(event.pointerId);
    } catch {
      // A pointer already gone (a touch lifted at once) has nothing to capture.
    }
    // No text selection or native drag; the canvas takes the focus instead, so its shortcuts (and undo) apply.
    event.preventDefault();
    this.container.focus({ preventScroll: true });
    if (panning || tool === 'move') {
      this.gesture = { kind: 'pan', last: { x: event.clientX, y: event.clientY } };
    } else if (tool === 'box') {
      this.gesture = { kind: 'box', from: this.toPage(event) };
    } else {
      const erase = tool === 'eraser';
      const target = this.callbacks.strokeTarget(erase);
      const entry = target ? this.adapters.get(target.layer) : undefined;
      if (!target || !entry) return;
      const at = this.toPage(event);
      const pressure = event.pointerType === 'pen' && event.pressure > 0;
      (entry.adapter as MaskAdapter).beginStroke(erase, brush, pressure);
      this.gesture = { kind: 'stroke', layer: target.layer, made: target.made, points: [[at.x, at.y, pressure ? event.pressure : 0.5]] };
      (entry.adapter as MaskAdapter).drawStroke(this.gesture.points);
    }
  };

  private readonly onPointerMove = (event: PointerEvent) => {
    const gesture = this.gesture;
    const at = this.toPage(event);
    this.updateCursor(at);
    if (this.touches.has(event.pointerId)) this.touches.set(event.pointerId, { x: event.clientX, y: event.clientY });
    if (!gesture) return;
    if (gesture.kind === 'pinch') {
      if (this.touches.size < 2) return;
      const now = this.pinchOf();
      this.zoomBy(now.distance / Math.max(1, gesture.distance), now.middle);
      this.panBy(now.middle.x - gesture.middle.x, now.middle.y - gesture.middle.y);
      Object.assign(gesture, now);
    } else if (gesture.kind === 'pan') {
      this.panBy(event.clientX - gesture.last.x, event.clientY - gesture.last.y);
      gesture.last = { x: event.clientX, y: event.clientY };
    } else if (gesture.kind === 'box') {
      const rect = rectBetween(gesture.from, at, this.pageSize);
      this.boxDraft.setAttrs({ visible: true, x: rect.x * this.pageSize.width, y: rect.y * this.pageSize.height, width: rect.width * this.pageSize.width, height: rect.height * this.pageSize.height });
      this.overlay.batchDraw();
    } else if (gesture.kind === 'stroke') {
      const events = event.getCoalescedEvents?.() ?? [event];
      for (const e of events.length > 0 ? events : [event]) {
        const p = this.toPage(e);
        gesture.points.push([p.x, p.y, e.pointerType === 'pen' && e.pressure > 0 ? e.pressure : 0.5]);
      }
      (this.adapters.get(gesture.layer)?.adapter as MaskAdapter | undefined)?.drawStroke(gesture.points);
    }
  };

  private readonly onPointerUp = (event: PointerEvent) => {
    this.touches.delete(event.pointerId);
    this.finish(event);
  };

  /** Ends the gesture under way: a box drawn, a stroke committed. */
  private finish(event: PointerEvent): void {
    const gesture = this.gesture;
    this.gesture = null;
    if (!gesture) return;
    if (gesture.kind === 'box') {
      this.boxDraft.visible(false);
      this.overlay.batchDraw();
      const rect = rectBetween(gesture.from, this.toPage(event), this.pageSize);
      // A click is not a box.
      if (rect.width > 0.01 && rect.height > 0.01) this.callbacks.onBoxDrawn(rect);
    } else if (gesture.kind === 'stroke') {
      const png = (this.adapters.get(gesture.layer)?.adapter as MaskAdapter | undefined)?.endStroke();
      if (png) this.callbacks.onStroke(gesture.layer, png, gesture.made);
    }
  }

  private readonly onPointerLeave = () => this.updateCursor(null);

  private readonly onWheel = (event: WheelEvent) => {
    event.preventDefault();
    const bounds = this.container.getBoundingClientRect();
    // Trackpad pinches arrive as wheel events with Ctrl held; both zoom around the pointer.
    this.zoomBy(wheelZoomFactor(event.deltaY), { x: event.clientX - bounds.left, y: event.clientY - bounds.top });
  };

  private readonly onSpace = (event: KeyboardEvent) => {
    if (event.key !== ' ' || (event.target instanceof HTMLElement && event.target.closest('input, textarea, select, button, [contenteditable]'))) return;
    event.preventDefault();
    this.spaceHeld = event.type === 'keydown';
    this.container.dataset.panning = String(this.spaceHeld);
  };

  /** The brush's outline follows the pointer while a brush or the eraser is the tool. */
  private updateCursor(at: { x: number; y: number } | null): void {
    const { tool, brush } = editorStore.getState();
    const shown = at !== null && (tool === 'brush' || tool === 'eraser');
    if (shown) this.cursor.setAttrs({ x: at.x, y: at.y, radius: brush.size / 2 });
    if (shown || this.cursor.visible()) {
      this.cursor.visible(shown);
      this.overlay.batchDraw();
    }
  }

  /** Whether the selected layer takes brush strokes. */
  static paintable(layer: Layer | undefined): boolean {
    return layer !== undefined && isMaskKind(layer) && !layer.locked;
  }
}

/** Layers are immutable values: a changed layer is a new object, which this numbers. */
const versions = new WeakMap<Layer, number>();
let nextVersion = 1;
function layerVersion(layer: Layer): number {
  let version = versions.get(layer);
  if (version === undefined) {
    version = nextVersion++;
    versions.set(layer, version);
  }
  return version;
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));
/** The rectangle between two page points, in fractions of the page. */
function rectBetween(a: { x: number; y: number }, b: { x: number; y: number }, page: Size): Rect01 {
  const [x0, x1] = [clamp01(Math.min(a.x, b.x) / page.width), clamp01(Math.max(a.x, b.x) / page.width)];
  const [y0, y1] = [clamp01(Math.min(a.y, b.y) / page.height), clamp01(Math.max(a.y, b.y) / page.height)];
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

import type Konva from 'konva';
import { useCallback, useEffect, useMemo, useRef, useState, type PointerEvent } from 'react';
import { Group, Image as KonvaImage, Layer, Rect, Stage, Text } from 'react-konva';
import { useHtmlImage } from './use-html-image';
import { useElementSize } from './use-element-size';
import { fitDocument, panBy, wheelZoomFactor, zoomAt, type Size, type Viewport } from './viewport';

const KEY_ZOOM = 1.25;

/** An image layer of the document, as the canvas draws it. */
export interface CanvasImage {
  readonly id: string;
  readonly url: string;
  /** In fractions of the page. */
  readonly rect: { readonly x: number; readonly y: number; readonly width: number; readonly height: number };
  readonly opacity: number;
}

interface Props {
  /** The document page's size in pixels. */
  readonly document: Size;
  /** The document's visible image layers, bottom first. */
  readonly layers: readonly CanvasImage[];
  /** The image shown on the page (the selected result). */
  readonly imageUrl: string | null;
  /** Layout boxes to draw over the page, in fractions of it. */
  readonly boxes: readonly CanvasBox[];
  /** What a left drag does: pan the view, or draw a layout box. */
  readonly tool: CanvasTool;
  readonly onTool: (tool: CanvasTool) => void;
  /** A box drawn with the box tool, in fractions of the page: one edit when the drag ends. */
  readonly onBox: (rect: Rect01) => void;
}

export type CanvasTool = 'pan' | 'box';
type Rect01 = { x: number; y: number; width: number; height: number };
export interface CanvasBox {
  readonly id: string;
  readonly rect: Rect01;
  readonly label: string;
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));
/** The rectangle between two points, in fractions of the page. */
function rectBetween(a: { x: number; y: number }, b: { x: number; y: number }): Rect01 {
  const [x0, x1] = [clamp01(Math.min(a.x, b.x)), clamp01(Math.max(a.x, b.x))];
  const [y0, y1] = [clamp01(Math.min(a.y, b.y)), clamp01(Math.max(a.y, b.y))];
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

function LayerImage({ layer, page }: { readonly layer: CanvasImage; readonly page: Size }) {
  const image = useHtmlImage(layer.url);
  return image ? <KonvaImage image={image} x={layer.rect.x * page.width} y={layer.rect.y * page.height} width={layer.rect.width * page.width} height={layer.rect.height * page.height} opacity={layer.opacity} /> : null;
}

/**
 * The canvas: a Konva stage showing the document page, panned by dragging
 * and zoomed by the wheel around the pointer. The viewport lives in React
 * state (null: fitted to the window); Konva only draws it.
 */
export function CanvasArea({ document, layers, imageUrl, boxes, tool, onTool, onBox }: Props) {
  const container = useRef<HTMLDivElement>(null);
  const size = useElementSize(container);
  const [view, setView] = useState<Viewport | null>(null);
  const fitted = useMemo(() => fitDocument(size, document), [size, document]);
  const image = useHtmlImage(imageUrl);
  const shown = view ?? fitted;

  const resetView = useCallback(() => setView(null), []);
  const zoomCentre = useCallback(
    (factor: number) => setView((v) => zoomAt(v ?? fitted, { x: size.width / 2, y: size.height / 2 }, factor)),
    [size, fitted],
  );

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.target instanceof HTMLElement && event.target.closest('input, textarea, select, [contenteditable]')) return;
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === '0') resetView();
      else if (event.key === 'v' || event.key === 'V') onTool('pan');
      else if (event.key === 'r' || event.key === 'R') onTool('box');
      else if (event.key === '+' || event.key === '=') zoomCentre(KEY_ZOOM);
      else if (event.key === '-') zoomCentre(1 / KEY_ZOOM);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [resetView, zoomCentre, onTool]);

  const onWheel = (event: Konva.KonvaEventObject<WheelEvent>) => {
    event.evt.preventDefault();
    const pointer = event.target.getStage()?.getPointerPosition();
    if (!pointer) return;
    const factor = wheelZoomFactor(event.evt.deltaY);
    setView((v) => zoomAt(v ?? fitted, pointer, factor));
  };

  // Dragging with the left or middle button pans; the painting tools will claim the left button for themselves.
  const lastPointer = useRef<{ x: number; y: number } | null>(null);
  const [drawing, setDrawing] = useState<{ from: { x: number; y: number }; to: { x: number; y: number } } | null>(null);
  /** A pointer position as fractions of the page. */
  const onPage = (event: PointerEvent<HTMLDivElement>) => {
    const bounds = event.currentTarget.getBoundingClientRect();
    return { x: (event.clientX - bounds.left - shown.x) / shown.scale / document.width, y: (event.clientY - bounds.top - shown.y) / shown.scale / document.height };
  };
  const onPointerDown = (event: PointerEvent<HTMLDivElement>) => {
    if (event.button !== 0 && event.button !== 1) return;
    event.currentTarget.setPointerCapture(event.pointerId);
    if (tool === 'box' && event.button === 0) {
      const at = onPage(event);
      setDrawing({ from: at, to: at });
      return;
    }
    lastPointer.current = { x: event.clientX, y: event.clientY };
  };
  const onPointerMove = (event: PointerEvent<HTMLDivElement>) => {
    if (drawing) {
      setDrawing({ ...drawing, to: onPage(event) });
      return;
    }
    const last = lastPointer.current;
    if (!last) return;
    const dx = event.clientX - last.x;
    const dy = event.clientY - last.y;
    lastPointer.current = { x: event.clientX, y: event.clientY };
    setView((v) => panBy(v ?? fitted, dx, dy));
  };
  const onPointerUp = () => {
    lastPointer.current = null;
    if (!drawing) return;
    const rect = rectBetween(drawing.from, drawing.to);
    setDrawing(null);
    // A click is not a box.
    if (rect.width > 0.01 && rect.height > 0.01) onBox(rect);
  };
  const preview = drawing ? rectBetween(drawing.from, drawing.to) : null;

  return (
    <section className="canvas-area" aria-label="Canvas">
      <div
        ref={container}
        className="canvas-stage"
        data-testid="canvas"
        data-scale={shown.scale.toFixed(4)}
        data-x={shown.x.toFixed(1)}
        data-y={shown.y.toFixed(1)}
        data-image={image ? imageUrl : ''}
        data-page={`${document.width}x${document.height}`}
        data-tool={tool}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
      >
        {size.width > 0 && (
          <Stage width={size.width} height={size.height} onWheel={onWheel}>
            <Layer x={shown.x} y={shown.y} scaleX={shown.scale} scaleY={shown.scale} listening={false}>
              <Rect width={document.width} height={document.height} fill="#2a2e37" shadowColor="#000" shadowBlur={24} shadowOpacity={0.5} />
              {layers.map((layer) => (
                <LayerImage key={layer.id} layer={layer} page={document} />
              ))}
              {image && <KonvaImage image={image} width={document.width} height={document.height} />}
              {boxes.map((box) => (
                <Group key={box.id} x={box.rect.x * document.width} y={box.rect.y * document.height}>
                  <Rect width={box.rect.width * document.width} height={box.rect.height * document.height} stroke="#7aa2f7" strokeWidth={2 / shown.scale} />
                  <Text text={box.label} fontSize={12 / shown.scale} fill="#7aa2f7" y={-14 / shown.scale} />
                </Group>
              ))}
              {preview && <Rect x={preview.x * document.width} y={preview.y * document.height} width={preview.width * document.width} height={preview.height * document.height} stroke="#e5c07b" dash={[6 / shown.scale, 4 / shown.scale]} strokeWidth={2 / shown.scale} />}
            </Layer>
          </Stage>
        )}
      </div>
      <div className="canvas-toolbar">
        <button type="button" aria-pressed={tool === 'pan'} onClick={() => onTool('pan')} title="Move the view (V)" aria-label="Pan (V)">
          Pan
        </button>
        <button type="button" aria-pressed={tool === 'box'} onClick={() => onTool('box')} title="Draw a layout box (R)" aria-label="Box (R)">
          Box
        </button>
        <button type="button" onClick={() => zoomCentre(1 / KEY_ZOOM)} title="Zoom out (-)">
          −
        </button>
        <span data-testid="zoom-level">{Math.round(shown.scale * 100)}%</span>
        <button type="button" onClick={() => zoomCentre(KEY_ZOOM)} title="Zoom in (+)">
          +
        </button>
        <button type="button" onClick={resetView} title="Fit to window (0)">
          Fit
        </button>
      </div>
    </section>
  );
}

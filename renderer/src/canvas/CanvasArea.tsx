import type Konva from 'konva';
import { useCallback, useEffect, useMemo, useRef, useState, type PointerEvent } from 'react';
import { Image as KonvaImage, Layer, Rect, Stage } from 'react-konva';
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
export function CanvasArea({ document, layers, imageUrl }: Props) {
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
      if (event.key === '0') resetView();
      else if (event.key === '+' || event.key === '=') zoomCentre(KEY_ZOOM);
      else if (event.key === '-') zoomCentre(1 / KEY_ZOOM);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [resetView, zoomCentre]);

  const onWheel = (event: Konva.KonvaEventObject<WheelEvent>) => {
    event.evt.preventDefault();
    const pointer = event.target.getStage()?.getPointerPosition();
    if (!pointer) return;
    const factor = wheelZoomFactor(event.evt.deltaY);
    setView((v) => zoomAt(v ?? fitted, pointer, factor));
  };

  // Dragging with the left or middle button pans; the painting tools will claim the left button for themselves.
  const lastPointer = useRef<{ x: number; y: number } | null>(null);
  const onPointerDown = (event: PointerEvent<HTMLDivElement>) => {
    if (event.button !== 0 && event.button !== 1) return;
    event.currentTarget.setPointerCapture(event.pointerId);
    lastPointer.current = { x: event.clientX, y: event.clientY };
  };
  const onPointerMove = (event: PointerEvent<HTMLDivElement>) => {
    const last = lastPointer.current;
    if (!last) return;
    const dx = event.clientX - last.x;
    const dy = event.clientY - last.y;
    lastPointer.current = { x: event.clientX, y: event.clientY };
    setView((v) => panBy(v ?? fitted, dx, dy));
  };
  const onPointerUp = () => {
    lastPointer.current = null;
  };

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
            </Layer>
          </Stage>
        )}
      </div>
      <div className="canvas-toolbar">
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

import Konva from 'konva';
import { getStroke } from 'perfect-freehand';
import type { Layer } from '../../../../app/document/document';
import type { BrushSettings } from '../../document/editor-store';
import { alphaToMaskPng, canvasOf, decodeMaskAlpha, tint, unionBounds, type PixelBounds } from '../mask-pixels';
import type { AdapterContext, LayerAdapter } from './adapter';

export type MaskLayer = Extract<Layer, { kind: 'word-region' | 'regional-prompt' | 'inpaint-mask' }>;

/** A point of a stroke in document pixels, with the pen's pressure (0.5 where the device reports none). */
export type StrokePoint = readonly [x: number, y: number, pressure: number];

export interface MaskAdapter extends LayerAdapter<MaskLayer> {
  /** Starts a stroke on the mask's current pixels. */
  beginStroke(erase: boolean, brush: BrushSettings, pressure: boolean): void;
  /** Redraws the stroke so far: perfect-freehand needs all its points to smooth it. */
  drawStroke(points: readonly StrokePoint[]): void;
  /** The mask with the stroke, as the engine's PNG; null when no stroke was going. */
  endStroke(): string | null;
}

const INPAINT_COLOUR = '#ffffff';
const SHOWN_OPACITY = 0.45;

/**
 * A painted layer (word region, regional prompt, inpaint mask): shown tinted
 * in its colour, painted by the brush and eraser. Only the rectangle that
 * holds paint is tinted and drawn, so fifty sparse regions on a large page
 * cost what their paint covers, not fifty pages.
 */
export function maskAdapter(): MaskAdapter {
  const group = new Konva.Group({ listening: false });
  let alpha = canvasOf(1, 1);
  let tinted = canvasOf(1, 1);
  /** Where paint may be (erasing does not shrink it); null: nowhere. */
  let bounds: PixelBounds | null = null;
  const node = new Konva.Image({ image: tinted, opacity: SHOWN_OPACITY, visible: false });
  group.add(node);
  let shownAsset: string | null = null;
  let colour = INPAINT_COLOUR;
  let stroke: { base: HTMLCanvasElement; erase: boolean; brush: BrushSettings; pressure: boolean; touched: PixelBounds | null } | null = null;
  let redraw = () => undefined as void;
  // The next new mask is the stroke just ended: its pixels are already here, so it is not decoded again.
  let committing = false;

  const show = (region: PixelBounds | null) => {
    if (region) tint(alpha, colour, tinted, region);
    node.visible(bounds !== null);
    if (bounds) {
      const crop = { x: bounds.x0, y: bounds.y0, width: bounds.x1 - bounds.x0, height: bounds.y1 - bounds.y0 };
      node.position({ x: crop.x, y: crop.y });
      node.size({ width: crop.width, height: crop.height });
      node.crop(crop);
    }
    node.getLayer()?.batchDraw();
  };

  return {
    group,
    update(layer, context: AdapterContext) {
      redraw = context.redraw;
      const { width, height } = context.page;
      group.visible(layer.visible);
      node.opacity(SHOWN_OPACITY * layer.opacity);
      const nextColour = layer.kind === 'inpaint-mask' ? INPAINT_COLOUR : layer.colour;
      const resized = alpha.width !== width || alpha.height !== height;
      if (resized) {
        alpha = canvasOf(width, height);
        tinted = canvasOf(width, height);
        bounds = null;
        node.image(tinted);
      }
      if (layer.mask !== shownAsset && committing && !resized) {
        shownAsset = layer.mask;
        committing = false;
      } else if (layer.mask !== shownAsset || resized) {
        shownAsset = layer.mask;
        const url = context.assets[layer.mask];
        colour = nextColour;
        if (url) {
          void decodeMaskAlpha(url, width, height).then((decoded) => {
            // A stroke begun meanwhile is on newer pixels than these.
            if (shownAsset !== layer.mask || stroke) return;
            const old = bounds;
            alpha = decoded.alpha;
            bounds = decoded.bounds;
            show(unionBounds(old, bounds));
            redraw();
          });
        }
      } else if (nextColour !== colour) {
        colour = nextColour;
        show(bounds);
      }
    },
    beginStroke(erase, brush, pressure) {
      const base = canvasOf(alpha.width, alpha.height);
      base.getContext('2d')!.drawImage(alpha, 0, 0);
      stroke = { base, erase, brush, pressure, touched: null };
    },
    drawStroke(points) {
      if (!stroke) return;
      const { brush } = stroke;
      const outline = getStroke(points as [number, number, number][], {
        size: brush.size,
        thinning: stroke.pressure ? 0.6 : 0,
        smoothing: 0.5,
        streamline: 0.4,
        simulatePressure: false,
        last: false,
      });
      // A soft brush is the same shape blurred by up to a quarter of its size.
      const blur = brush.hardness < 1 ? ((1 - brush.hardness) * brush.size) / 4 : 0;
      stroke.touched = unionBounds(stroke.touched, outlineBounds(outline, 2 * blur + 2, alpha.width, alpha.height));
      if (!stroke.touched) return;
      const { x0, y0, x1, y1 } = stroke.touched;
      const c = alpha.getContext('2d')!;
      // Back to the pixels before the stroke, where the stroke has been, then the whole stroke again, smoothed.
      c.clearRect(x0, y0, x1 - x0, y1 - y0);
      c.drawImage(stroke.base, x0, y0, x1 - x0, y1 - y0, x0, y0, x1 - x0, y1 - y0);
      c.globalCompositeOperation = stroke.erase ? 'destination-out' : 'source-over';
      c.filter = blur > 0 ? `blur(${blur}px)` : 'none';
      c.fillStyle = '#fff';
      c.fill(outlinePath(outline));
      c.filter = 'none';
      c.globalCompositeOperation = 'source-over';
      if (!stroke.erase) bounds = unionBounds(bounds, stroke.touched);
      show(stroke.touched);
    },
    endStroke() {
      if (!stroke) return null;
      stroke = null;
      committing = true;
      return alphaToMaskPng(alpha);
    },
    destroy: () => group.destroy(),
  };
}

/** The pixels an outline covers, grown by `margin` and kept on the page. */
function outlineBounds(outline: number[][], margin: number, width: number, height: number): PixelBounds | null {
  if (outline.length === 0) return null;
  const xs = outline.map((p) => p[0]!);
  const ys = outline.map((p) => p[1]!);
  const x0 = Math.max(0, Math.floor(Math.min(...xs) - margin));
  const y0 = Math.max(0, Math.floor(Math.min(...ys) - margin));
  const x1 = Math.min(width, Math.ceil(Math.max(...xs) + margin));
  const y1 = Math.min(height, Math.ceil(Math.max(...ys) + margin));
  return x1 > x0 && y1 > y0 ? { x0, y0, x1, y1 } : null;
}

function outlinePath(outline: number[][]): Path2D {
  const path = new Path2D();
  if (outline.length === 0) return path;
  const [first, ...rest] = outline;
  path.moveTo(first![0]!, first![1]!);
  for (const [x, y] of rest) path.lineTo(x!, y!);
  path.closePath();
  return path;
}

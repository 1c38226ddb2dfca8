import Konva from 'konva';
import { getStroke } from 'perfect-freehand';
import type { Layer } from '../../../../app/document/document';
import type { BrushSettings } from '../../document/editor-store';
import { alphaToMaskPng, canvasOf, decodeMaskAlpha, tint } from '../mask-pixels';
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

/** A painted layer (word region, regional prompt, inpaint mask): shown tinted in its colour, painted by the brush and eraser. */
export function maskAdapter(): MaskAdapter {
  const group = new Konva.Group({ listening: false });
  let alpha = canvasOf(1, 1);
  let tinted = canvasOf(1, 1);
  const node = new Konva.Image({ image: tinted, opacity: SHOWN_OPACITY });
  group.add(node);
  let shownAsset: string | null = null;
  let colour = INPAINT_COLOUR;
  let stroke: { base: HTMLCanvasElement; erase: boolean; brush: BrushSettings; pressure: boolean } | null = null;
  let redraw = () => undefined as void;
  // The next new mask is the stroke just ended: its pixels are already here, so it is not decoded again.
  let committing = false;

  const retint = () => {
    tint(alpha, colour, tinted);
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
        node.setAttrs({ image: tinted, width, height });
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
            alpha.getContext('2d')!.globalCompositeOperation = 'copy';
            alpha.getContext('2d')!.drawImage(decoded, 0, 0);
            alpha.getContext('2d')!.globalCompositeOperation = 'source-over';
            retint();
            redraw();
          });
        }
      } else if (nextColour !== colour) {
        colour = nextColour;
        retint();
      }
    },
    beginStroke(erase, brush, pressure) {
      const base = canvasOf(alpha.width, alpha.height);
      base.getContext('2d')!.drawImage(alpha, 0, 0);
      stroke = { base, erase, brush, pressure };
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
      const c = alpha.getContext('2d')!;
      c.globalCompositeOperation = 'copy';
      c.drawImage(stroke.base, 0, 0);
      c.globalCompositeOperation = stroke.erase ? 'destination-out' : 'source-over';
      // A soft brush is the same shape blurred by up to a quarter of its size.
      c.filter = brush.hardness < 1 ? `blur(${((1 - brush.hardness) * brush.size) / 4}px)` : 'none';
      c.fillStyle = '#fff';
      c.fill(outlinePath(outline));
      c.filter = 'none';
      c.globalCompositeOperation = 'source-over';
      retint();
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

function outlinePath(outline: number[][]): Path2D {
  const path = new Path2D();
  if (outline.length === 0) return path;
  const [first, ...rest] = outline;
  path.moveTo(first![0]!, first![1]!);
  for (const [x, y] of rest) path.lineTo(x!, y!);
  path.closePath();
  return path;
}

import Konva from 'konva';
import type { Layer } from '../../../../app/document/document';
import { liveLayout } from '../../document/live-layout';
import type { AdapterContext, LayerAdapter } from './adapter';

type GraphLayer = Extract<Layer, { kind: 'scene-graph' }>;

const STROKE = '#c678dd';

/** A scene graph's live layout: the boxes the engine will solve it into, dashed, named by their objects. */
export function graphAdapter(): LayerAdapter<GraphLayer> {
  const group = new Konva.Group({ listening: false });
  return {
    group,
    update(layer, context: AdapterContext) {
      const { page, scale } = context;
      group.visible(layer.visible);
      group.opacity(layer.opacity);
      group.destroyChildren();
      const { layout } = liveLayout(layer, context.layoutSeed, page.width / page.height);
      if (!layout?.ok) return;
      for (const box of layout.boxes) {
        const x = box.rect.x * page.width;
        const y = box.rect.y * page.height;
        group.add(
          new Konva.Rect({ x, y, width: box.rect.width * page.width, height: box.rect.height * page.height, stroke: STROKE, strokeWidth: 2 / scale, dash: [8 / scale, 5 / scale] }),
          new Konva.Text({ text: box.label, x: x + 4 / scale, y: y + 4 / scale, fontSize: 13 / scale, fill: STROKE }),
        );
      }
    },
    destroy: () => group.destroy(),
  };
}

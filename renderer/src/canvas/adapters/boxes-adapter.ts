import Konva from 'konva';
import type { Layer } from '../../../../app/document/document';
import type { AdapterContext, LayerAdapter } from './adapter';

type BoxesLayer = Extract<Layer, { kind: 'layout-boxes' }>;

const STROKE = '#7aa2f7';
const MIN_SIDE = 4;

/**
 * Layout boxes: outlined, labelled; with the move tool on the selected layer
 * a box drags, and its handles (a Konva transformer) resize it. Each drag or
 * resize reports once, when it ends: one undo step.
 */
export function boxesAdapter(): LayerAdapter<BoxesLayer> {
  const group = new Konva.Group();
  const transformer = new Konva.Transformer({ rotateEnabled: false, keepRatio: false, ignoreStroke: true, borderStroke: STROKE, anchorStroke: STROKE, anchorSize: 9 });
  let current: { layer: BoxesLayer; context: AdapterContext } | null = null;

  const report = (node: Konva.Node) => {
    if (!current) return;
    const { page } = current.context;
    const rect = node as Konva.Rect;
    const width = Math.max(MIN_SIDE, rect.width() * rect.scaleX());
    const height = Math.max(MIN_SIDE, rect.height() * rect.scaleY());
    rect.scale({ x: 1, y: 1 });
    const x = Math.min(Math.max(0, rect.x()), page.width - MIN_SIDE);
    const y = Math.min(Math.max(0, rect.y()), page.height - MIN_SIDE);
    const rect01 = { x: x / page.width, y: y / page.height, width: Math.min(width, page.width - x) / page.width, height: Math.min(height, page.height - y) / page.height };
    current.context.onBoxChange(current.layer.id, rect.name(), rect01);
  };

  return {
    group,
    update(layer, context) {
      current = { layer, context };
      const { page, scale } = context;
      const editable = context.selected && context.tool === 'move' && !layer.locked;
      group.visible(layer.visible);
      group.opacity(layer.opacity);
      group.destroyChildren();
      const rects = layer.boxes.map((box) => {
        const rect = new Konva.Rect({
          name: box.id,
          x: box.rect.x * page.width,
          y: box.rect.y * page.height,
          width: box.rect.width * page.width,
          height: box.rect.height * page.height,
          stroke: STROKE,
          strokeWidth: 2 / scale,
          fill: editable ? 'rgba(122,162,247,0.08)' : undefined,
          draggable: editable,
          listening: context.tool === 'move' && !layer.locked,
        });
        rect.on('pointerdown', () => {
          context.onBoxSelect(layer.id, box.id);
          transformer.nodes([rect]);
        });
        rect.on('dragend transformend', () => report(rect));
        const label = new Konva.Text({ text: box.prompt ? `${box.label} — ${box.prompt}` : box.label, x: rect.x(), y: rect.y() - 16 / scale, fontSize: 13 / scale, fill: STROKE, listening: false });
        rect.on('dragmove', () => label.position({ x: rect.x(), y: rect.y() - 16 / scale }));
        group.add(rect, label);
        return rect;
      });
      const chosen = editable ? rects.find((r) => r.name() === context.pickedBox) : undefined;
      transformer.nodes(chosen ? [chosen] : []);
      group.add(transformer);
    },
    destroy: () => group.destroy(),
  };
}

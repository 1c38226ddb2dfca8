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
  group.add(transformer);
  let current: { layer: BoxesLayer; context: AdapterContext } | null = null;
  // Nodes are kept per box and updated in place: a node made anew under the pointer would drop the drag that picked it.
  const nodes = new Map<string, { rect: Konva.Rect; label: Konva.Text }>();

  const report = (rect: Konva.Rect) => {
    if (!current) return;
    const { page } = current.context;
    const width = Math.max(MIN_SIDE, rect.width() * rect.scaleX());
    const height = Math.max(MIN_SIDE, rect.height() * rect.scaleY());
    rect.scale({ x: 1, y: 1 });
    const x = Math.min(Math.max(0, rect.x()), page.width - MIN_SIDE);
    const y = Math.min(Math.max(0, rect.y()), page.height - MIN_SIDE);
    const rect01 = { x: x / page.width, y: y / page.height, width: Math.min(width, page.width - x) / page.width, height: Math.min(height, page.height - y) / page.height };
    current.context.onBoxChange(current.layer.id, rect.name(), rect01);
  };

  const nodeFor = (boxId: string) => {
    let node = nodes.get(boxId);
    if (!node) {
      const rect = new Konva.Rect({ name: boxId });
      const label = new Konva.Text({ listening: false });
      rect.on('pointerdown', () => {
        if (!current) return;
        current.context.onBoxSelect(current.layer.id, boxId);
        transformer.nodes([rect]);
      });
      rect.on('dragend transformend', () => report(rect));
      rect.on('dragmove transform', () => label.position({ x: rect.x(), y: rect.y() - 16 / (current?.context.scale ?? 1) }));
      group.add(rect, label);
      node = { rect, label };
      nodes.set(boxId, node);
    }
    return node;
  };

  return {
    group,
    update(layer, context) {
      current = { layer, context };
      const { page, scale } = context;
      const editable = context.selected && context.tool === 'move' && !layer.locked;
      group.visible(layer.visible);
      group.opacity(layer.opacity);
      for (const [id, node] of nodes) {
        if (layer.boxes.some((b) => b.id === id)) continue;
        node.rect.destroy();
        node.label.destroy();
        nodes.delete(id);
      }
      for (const box of layer.boxes) {
        const { rect, label } = nodeFor(box.id);
        rect.setAttrs({
          x: box.rect.x * page.width,
          y: box.rect.y * page.height,
          width: box.rect.width * page.width,
          height: box.rect.height * page.height,
          scaleX: 1,
          scaleY: 1,
          stroke: STROKE,
          strokeWidth: 2 / scale,
          fill: editable ? 'rgba(122,162,247,0.08)' : undefined,
          draggable: editable,
          listening: context.tool === 'move' && !layer.locked,
        });
        label.setAttrs({ text: box.prompt ? `${box.label} — ${box.prompt}` : box.label, x: rect.x(), y: rect.y() - 16 / scale, fontSize: 13 / scale, fill: STROKE });
      }
      const chosen = editable && context.pickedBox ? nodes.get(context.pickedBox)?.rect : undefined;
      transformer.nodes(chosen ? [chosen] : []);
      transformer.moveToTop();
    },
    destroy: () => group.destroy(),
  };
}

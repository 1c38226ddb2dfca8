import Konva from 'konva';
import type { Layer } from '../../../../app/document/document';
import type { AdapterContext, LayerAdapter } from './adapter';

type ImageLayer = Extract<Layer, { kind: 'image' }>;

/** A picture layer: its asset decoded once, placed by its rectangle. */
export function imageAdapter(): LayerAdapter<ImageLayer> {
  const group = new Konva.Group({ listening: false });
  const node = new Konva.Image({ image: undefined });
  group.add(node);
  let shownUrl: string | null = null;
  return {
    group,
    update(layer, context: AdapterContext) {
      const { page } = context;
      node.position({ x: layer.rect.x * page.width, y: layer.rect.y * page.height });
      node.size({ width: layer.rect.width * page.width, height: layer.rect.height * page.height });
      node.opacity(layer.opacity);
      group.visible(layer.visible);
      const url = context.assets[layer.asset] ?? null;
      if (url === shownUrl) return;
      shownUrl = url;
      if (!url) return node.image(undefined);
      const image = new Image();
      image.onload = () => {
        if (shownUrl !== url) return;
        node.image(image);
        context.redraw();
      };
      image.src = url;
    },
    destroy: () => group.destroy(),
  };
}

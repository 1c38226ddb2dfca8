import type Konva from 'konva';
import type { Layer, LayerId } from '../../../../app/document/document';
import type { Tool } from '../../document/editor-store';
import type { Size } from '../viewport';

type Rect01 = { x: number; y: number; width: number; height: number };

/** What the stage tells an adapter besides its layer. */
export interface AdapterContext {
  readonly page: Size;
  readonly assets: Readonly<Record<string, string>>;
  /** Screen pixels per document pixel: strokes and labels keep their size on screen. */
  readonly scale: number;
  readonly selected: boolean;
  readonly tool: Tool;
  /** The seed and aspect a scene graph's live layout is solved for, as the engine will. */
  readonly layoutSeed: number;
  /** Asks for a redraw after an asynchronous load (an image decoded). */
  readonly redraw: () => void;
  readonly onBoxChange: (layer: LayerId, boxId: string, rect: Rect01) => void;
  readonly onBoxSelect: (layer: LayerId, boxId: string) => void;
  /** The box picked for moving, resizing or deleting. */
  readonly pickedBox: string | null;
}

/**
 * Draws one layer of one kind into a Konva group, imperatively: the stage
 * calls `update` only when the layer, its assets or the context changed, and
 * panning moves the parent layer without touching any adapter.
 */
export interface LayerAdapter<L extends Layer = Layer> {
  readonly group: Konva.Group;
  update(layer: L, context: AdapterContext): void;
  destroy(): void;
}

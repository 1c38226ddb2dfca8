import type { NormalizedRect, Relation } from '../contract/conditioning';
import { LayerId, type AssetId, type CanvasDocument, type Layer } from './document';

/**
 * Every change a person makes to the document, as a pure function from one
 * document to the next. The store commits each as one undo step; tests hold
 * every kind of edit to an exact undo.
 */

type Kind<K extends Layer['kind']> = Extract<Layer, { kind: K }>;
type Box = Kind<'layout-boxes'>['boxes'][number];
export type BoxPatch = Partial<Pick<Box, 'rect' | 'label' | 'prompt'>>;
export type LayerPatch = Partial<Pick<Layer, 'name' | 'visible' | 'locked' | 'opacity'>>;

/** Colours of regions, in the order new ones take them: distinct on dark and light canvases. */
export const REGION_COLOURS = ['#e06c75', '#61afef', '#98c379', '#e5c07b', '#c678dd', '#56b6c2', '#d19a66', '#be5046'] as const;

/** The first colour no region uses yet (cycling when all are used). */
export function nextRegionColour(document: CanvasDocument): string {
  const used = document.layers.flatMap((l) => ('colour' in l ? [l.colour] : []));
  return REGION_COLOURS.find((c) => !used.includes(c)) ?? REGION_COLOURS[used.length % REGION_COLOURS.length]!;
}

export const newLayerId = (unique: string) => LayerId.parse(`layer_${unique}`);

const base = (id: LayerId, name: string) => ({ id, name: name.slice(0, 100) || 'Layer', visible: true, locked: false, opacity: 1 });

export function addLayer(document: CanvasDocument, layer: Layer): CanvasDocument {
  return { ...document, layers: [...document.layers, layer] };
}

function mapLayer<K extends Layer['kind']>(document: CanvasDocument, id: LayerId, kind: K | null, change: (layer: Kind<K>) => Layer): CanvasDocument {
  return { ...document, layers: document.layers.map((l) => (l.id === id && (kind === null || l.kind === kind) ? change(l as Kind<K>) : l)) };
}

export const updateLayer = (document: CanvasDocument, id: LayerId, patch: LayerPatch): CanvasDocument => mapLayer(document, id, null, (l) => ({ ...l, ...patch }) as Layer);

export const removeLayer = (document: CanvasDocument, id: LayerId): CanvasDocument => ({ ...document, layers: document.layers.filter((l) => l.id !== id) });

/** Moves a layer up (+1, towards the top) or down (-1) the stack. */
export function moveLayer(document: CanvasDocument, id: LayerId, by: -1 | 1): CanvasDocument {
  const from = document.layers.findIndex((l) => l.id === id);
  const to = from + by;
  if (from < 0 || to < 0 || to >= document.layers.length) return document;
  const layers = [...document.layers];
  [layers[from], layers[to]] = [layers[to]!, layers[from]!];
  return { ...document, layers };
}

/** A word region: `phrase` of the prompt painted where `mask` is white. */
export function wordRegion(id: LayerId, phrase: string, mask: AssetId, colour: string): Kind<'word-region'> {
  return { ...base(id, phrase), kind: 'word-region', mask, phrase, strength: 1, colour };
}

/** A painted region with a prompt of its own. */
export function regionalPrompt(id: LayerId, prompt: string, mask: AssetId, colour: string): Kind<'regional-prompt'> {
  return { ...base(id, prompt), kind: 'regional-prompt', mask, prompt, strength: 1, colour };
}

export function inpaintMask(id: LayerId, mask: AssetId): Kind<'inpaint-mask'> {
  return { ...base(id, 'Inpaint mask'), kind: 'inpaint-mask', mask };
}

/** A painted layer's new pixels (a brush stroke, an erase): one asset replaces the other. */
export function setMask(document: CanvasDocument, id: LayerId, mask: AssetId): CanvasDocument {
  return { ...document, layers: document.layers.map((l) => (l.id === id && 'mask' in l ? { ...l, mask } : l)) };
}

export const setPhrase = (document: CanvasDocument, id: LayerId, phrase: string): CanvasDocument =>
  mapLayer(document, id, 'word-region', (l) => ({ ...l, phrase: phrase.slice(0, 500) || l.phrase, name: phrase.slice(0, 100) || l.name }));

export const setRegionalPrompt = (document: CanvasDocument, id: LayerId, prompt: string): CanvasDocument =>
  mapLayer(document, id, 'regional-prompt', (l) => ({ ...l, prompt: prompt.slice(0, 5000) || l.prompt }));

export function setStrength(document: CanvasDocument, id: LayerId, strength: number): CanvasDocument {
  const clamped = Math.min(10, Math.max(0, strength));
  return { ...document, layers: document.layers.map((l) => (l.id === id && 'strength' in l ? { ...l, strength: clamped } : l)) };
}

export function boxesLayer(id: LayerId, boxes: Box[] = [], name = 'Boxes'): Kind<'layout-boxes'> {
  return { ...base(id, name), kind: 'layout-boxes', boxes };
}

export const addBox = (document: CanvasDocument, layer: LayerId, box: Box): CanvasDocument => mapLayer(document, layer, 'layout-boxes', (l) => ({ ...l, boxes: [...l.boxes, box] }));

export function updateBox(document: CanvasDocument, layer: LayerId, boxId: string, patch: BoxPatch): CanvasDocument {
  const { prompt, ...rest } = patch;
  return mapLayer(document, layer, 'layout-boxes', (l) => ({
    ...l,
    boxes: l.boxes.map((b) => {
      if (b.id !== boxId) return b;
      const next = { ...b, ...rest, ...(rest.label !== undefined ? { label: rest.label.slice(0, 500) || b.label } : {}) };
      if (prompt === undefined) return next;
      // An empty prompt takes the box's own prompt away.
      const { prompt: _dropped, ...withoutPrompt } = next;
      return prompt.trim() ? { ...next, prompt: prompt.slice(0, 5000) } : withoutPrompt;
    }),
  }));
}

/** Moves a box later (+1: drawn over the others, listed lower) or earlier in its layer. */
export function moveBox(document: CanvasDocument, layer: LayerId, boxId: string, by: -1 | 1): CanvasDocument {
  const boxes = document.layers.find((l) => l.id === layer && l.kind === 'layout-boxes');
  const from = boxes?.kind === 'layout-boxes' ? boxes.boxes.findIndex((b) => b.id === boxId) : -1;
  const to = from + by;
  if (boxes?.kind !== 'layout-boxes' || from < 0 || to < 0 || to >= boxes.boxes.length) return document;
  return mapLayer(document, layer, 'layout-boxes', (l) => {
    const order = [...l.boxes];
    [order[from], order[to]] = [order[to]!, order[from]!];
    return { ...l, boxes: order };
  });
}

export const removeBox = (document: CanvasDocument, layer: LayerId, boxId: string): CanvasDocument => mapLayer(document, layer, 'layout-boxes', (l) => ({ ...l, boxes: l.boxes.filter((b) => b.id !== boxId) }));

export function sceneGraphLayer(id: LayerId): Kind<'scene-graph'> {
  return { ...base(id, 'Scene graph'), kind: 'scene-graph', objects: [], relations: [], solved: null };
}

/** Graph edits forget the solved layout: it is solved again from the new graph. */
const graphEdit = (document: CanvasDocument, layer: LayerId, change: (g: Kind<'scene-graph'>) => Partial<Kind<'scene-graph'>>) =>
  mapLayer(document, layer, 'scene-graph', (g) => ({ ...g, ...change(g), solved: null }));

export const addObject = (document: CanvasDocument, layer: LayerId, object: { id: string; name: string; attributes: string[] }): CanvasDocument =>
  graphEdit(document, layer, (g) => ({ objects: [...g.objects, object] }));

export const updateObject = (document: CanvasDocument, layer: LayerId, objectId: string, patch: { name?: string; attributes?: string[] }): CanvasDocument =>
  graphEdit(document, layer, (g) => ({ objects: g.objects.map((o) => (o.id === objectId ? { ...o, ...patch, name: patch.name?.trim() || o.name } : o)) }));

/** An object goes with every relation that names it. */
export const removeObject = (document: CanvasDocument, layer: LayerId, objectId: string): CanvasDocument =>
  graphEdit(document, layer, (g) => ({ objects: g.objects.filter((o) => o.id !== objectId), relations: g.relations.filter((r) => r.subject !== objectId && r.object !== objectId) }));

export function addRelation(document: CanvasDocument, layer: LayerId, relation: { subject: string; predicate: Relation; object: string }): CanvasDocument {
  if (relation.subject === relation.object) return document;
  return graphEdit(document, layer, (g) => (g.relations.some((r) => r.subject === relation.subject && r.object === relation.object && r.predicate === relation.predicate) ? {} : { relations: [...g.relations, relation] }));
}

export const removeRelation = (document: CanvasDocument, layer: LayerId, index: number): CanvasDocument => graphEdit(document, layer, (g) => ({ relations: g.relations.filter((_, i) => i !== index) }));

/**
 * "Turn into boxes": the graph's solved layout becomes a layout-boxes layer
 * above it, to edit by hand, and the graph is hidden so it no longer applies.
 */
export function graphToBoxes(document: CanvasDocument, layer: LayerId, boxesId: LayerId, solved: readonly { id: string; rect: NormalizedRect; label: string }[]): CanvasDocument {
  const at = document.layers.findIndex((l) => l.id === layer && l.kind === 'scene-graph');
  if (at < 0 || solved.length === 0) return document;
  const boxes = boxesLayer(boxesId, solved.map((s) => ({ id: s.id, rect: s.rect, label: s.label, strength: 1 })), 'Boxes from graph');
  const layers = document.layers.map((l, i) => (i === at ? { ...l, visible: false } : l));
  layers.splice(at + 1, 0, boxes);
  return { ...document, layers };
}

/** The page at another size: every layer is placed in fractions of the page, so pictures, masks and boxes scale with it. */
export function resizeCanvas(document: CanvasDocument, size: { width: number; height: number }): CanvasDocument {
  return document.canvas.width === size.width && document.canvas.height === size.height ? document : { ...document, canvas: { width: size.width, height: size.height } };
}

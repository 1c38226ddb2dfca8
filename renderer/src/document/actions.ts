import { AssetId, type CanvasDocument, type LayerId } from '../../../app/document/document';
import * as edits from '../../../app/document/edits';
import { discardStaged, documentOf, edit, editorStore, select, setStartFrom } from './editor-store';
import { adoptGalleryImage } from '../connection/asset-upload';
import type { StudioClient } from '../connection/studio-client';
import { pngDataUrl } from './images';

/** Edits that need fresh ids or new pixels, as the tools and panels call them; each is one undo step. */

export const uniqueId = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
export const newAssetId = () => AssetId.parse(`asset_${uniqueId()}`);

/** An image as a new top layer; the first one sets the canvas to its size. */
export function addImage(url: string, width: number, height: number, name: string): void {
  const asset = newAssetId();
  edit(
    (d) => {
      const canvas = d.layers.length === 0 ? { width: Math.min(4096, Math.max(64, width)), height: Math.min(4096, Math.max(64, height)) } : d.canvas;
      return edits.addLayer({ ...d, canvas }, { id: edits.newLayerId(uniqueId()), name: name.slice(0, 100) || 'Image', visible: true, locked: false, opacity: 1, kind: 'image', asset, rect: { x: 0, y: 0, width: 1, height: 1 } });
    },
    { [asset]: url },
  );
}

/** A result of a run from the canvas: a new picture above the others, under the regions, boxes and graphs drawn over them. */
export function addResult(url: string, name: string): void {
  const asset = newAssetId();
  edit(
    (d) => {
      const layer = { id: edits.newLayerId(uniqueId()), name: name.slice(0, 100), visible: true, locked: false, opacity: 1, kind: 'image' as const, asset, rect: { x: 0, y: 0, width: 1, height: 1 } };
      const at = d.layers.findLastIndex((l) => l.kind === 'image') + 1;
      return { ...d, layers: [...d.layers.slice(0, at), layer, ...d.layers.slice(at)] };
    },
    { [asset]: url },
  );
}

/**
 * Takes the staged result shown as a picture layer over the page's pictures
 * (one undo step), and clears the staging area. The layer holds the result
 * file's own bytes, which main makes an asset from its gallery by id: a run
 * from the picture sends nothing again.
 */
export async function acceptStaged(client: StudioClient): Promise<void> {
  const staged = editorStore.getState().staged;
  const image = staged?.images[staged.index];
  if (!image) return;
  const url = await pngDataUrl(await (await fetch(image.url)).blob());
  await adoptGalleryImage(client, { id: image.id, live: image.live }, url);
  addResult(url, image.name);
  // Staged anew meanwhile (a live run finished): what was accepted is taken all the same, and the new result stays staged.
  if (editorStore.getState().staged === staged) discardStaged();
}

/** The layer boxes go to: the selected boxes layer, else the top one, else a new one. */
function boxesTarget(document: CanvasDocument): { layer: LayerId; fresh: boolean } {
  const selected = editorStore.getState().selected;
  const chosen = document.layers.find((l) => l.id === selected && l.kind === 'layout-boxes' && !l.locked) ?? document.layers.findLast((l) => l.kind === 'layout-boxes' && !l.locked);
  return chosen ? { layer: chosen.id, fresh: false } : { layer: edits.newLayerId(uniqueId()), fresh: true };
}

/** A box drawn with the box tool; its label is the prompt's next noun the user has not boxed yet (or "object"). */
export function addBoxAt(rect: { x: number; y: number; width: number; height: number }, label: string): void {
  const document = documentOf(editorStore.getState());
  const target = boxesTarget(document);
  edit((d) => edits.addBox(target.fresh ? edits.addLayer(d, edits.boxesLayer(target.layer)) : d, target.layer, { id: `box-${uniqueId()}`, rect, label, strength: 1 }));
  select(target.layer);
}

/** A new layer painted on a mask of its own, the mask still empty (`emptyMask`); it becomes the active layer. */
function addMaskLayer(layer: (id: LayerId, mask: AssetId, document: CanvasDocument) => CanvasDocument['layers'][number], emptyMask: string): LayerId {
  const id = edits.newLayerId(uniqueId());
  const mask = newAssetId();
  edit((d) => edits.addLayer(d, layer(id, mask, d)), { [mask]: emptyMask });
  select(id);
  return id;
}

/** A new word region bound to `phrase`. */
export const addWordRegion = (phrase: string, emptyMask: string) => addMaskLayer((id, mask, d) => edits.wordRegion(id, phrase, mask, edits.nextRegionColour(d)), emptyMask);

export const addRegionalPrompt = (prompt: string, emptyMask: string) => addMaskLayer((id, mask, d) => edits.regionalPrompt(id, prompt, mask, edits.nextRegionColour(d)), emptyMask);

export const addInpaintMask = (emptyMask: string) => addMaskLayer((id, mask) => edits.inpaintMask(id, mask), emptyMask);

export function addSceneGraph(): LayerId {
  const id = edits.newLayerId(uniqueId());
  edit((d) => edits.addLayer(d, edits.sceneGraphLayer(id)));
  select(id);
  return id;
}

/** A finished stroke: the layer's mask becomes the new pixels, one undo step (with the region's making, when the stroke made it). */
export function commitMask(layer: LayerId, png: string, madeByStroke: boolean): void {
  const mask = newAssetId();
  edit((d) => edits.setMask(d, layer, mask), { [mask]: png }, madeByStroke);
}

/** Removes a layer; the picture a run starts from goes only when the person agrees, and the run is then text to image again. */
export function removeLayer(layer: LayerId): void {
  const { run } = editorStore.getState();
  if (run.startFrom?.layer === layer) {
    const name = documentOf(editorStore.getState()).layers.find((l) => l.id === layer)?.name ?? 'This layer';
    if (!window.confirm(`${name} is the picture the next run starts from. Remove it, and run from text alone?`)) return;
    setStartFrom(null);
  }
  edit((d) => edits.removeLayer(d, layer));
  if (editorStore.getState().selected === layer) select(null);
}

import type { GenerationSettings } from '../../../app/contract/generation';
import { compileConditioning, regionMasksOf, type CanvasDocument } from '../../../app/document/document';
import { uploadAsset } from '../connection/asset-upload';
import type { StudioClient } from '../connection/studio-client';
import type { StartFrom } from '../../../app/document/run-settings';
import { compositePng } from '../document/images';

/**
 * What a run takes from the canvas: its regions, boxes and graph as
 * conditioning, and for img2img the chosen picture (placed as it is on the
 * canvas) with the visible inpaint mask, every picture uploaded as an asset
 * (once a session; a result the canvas accepted is main's already).
 */
export async function canvasRequest(client: StudioClient, document: CanvasDocument, assets: Readonly<Record<string, string>>, initSource: StartFrom | null): Promise<Pick<GenerationSettings, 'init' | 'mask' | 'conditioning'>> {
  const upload = (asset: string) => {
    const url = assets[asset];
    if (!url) throw new Error(`The picture ${asset} of the document is missing; remove its layer`);
    return uploadAsset(client, url);
  };
  const refs = new Map(await Promise.all(regionMasksOf(document).map(async (asset) => [asset, await upload(asset)] as const)));
  const conditioning = compileConditioning(document, (asset) => refs.get(asset)!);
  const controls = (conditioning.regions?.length ?? 0) + (conditioning.boxes?.length ?? 0) + (conditioning.sceneGraph ? 1 : 0) > 0;
  const picture = initSource ? document.layers.find((l) => l.id === initSource.layer && l.kind === 'image') : undefined;
  if (!initSource || !picture || picture.kind !== 'image' || !assets[picture.asset]) return controls ? { conditioning } : {};
  // A picture that fills the page is the start image as it is (the engine scales it to the run's size): an accepted result is then already main's.
  const { x, y, width, height } = picture.rect;
  const fillsPage = x === 0 && y === 0 && width === 1 && height === 1;
  const start = fillsPage ? assets[picture.asset]! : await compositePng(document.canvas, [{ url: assets[picture.asset]!, rect: picture.rect, opacity: 1 }]);
  const inpaint = document.layers.findLast((l) => l.kind === 'inpaint-mask' && l.visible);
  return {
    init: { asset: await uploadAsset(client, start), strength: initSource.strength },
    ...(inpaint && inpaint.kind === 'inpaint-mask' ? { mask: await upload(inpaint.mask) } : {}),
    ...(controls ? { conditioning } : {}),
  };
}

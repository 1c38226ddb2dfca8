import { decodeImage } from '../canvas/mask-pixels';

/** An image file or blob as a PNG data URL with its size (assets are PNG whatever came in). */
export async function toPngAsset(blob: Blob): Promise<{ url: string; width: number; height: number }> {
  const bitmap = await createImageBitmap(blob);
  const canvas = document.createElement('canvas');
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  canvas.getContext('2d')!.drawImage(bitmap, 0, 0);
  bitmap.close();
  return { url: canvas.toDataURL('image/png'), width: canvas.width, height: canvas.height };
}

/** A PNG file's own bytes as a data URL, not decoded and encoded again (so it stays the file main has). */
export function pngDataUrl(png: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result as string);
    reader.onerror = () => reject(reader.error ?? new Error('The image could not be read'));
    reader.readAsDataURL(png.type === 'image/png' ? png : new Blob([png], { type: 'image/png' }));
  });
}

/** The visible image layers drawn at the document's size, as a PNG to save. */
export async function compositePng(size: { width: number; height: number }, layers: readonly { url: string; rect: { x: number; y: number; width: number; height: number }; opacity: number }[]): Promise<string> {
  const canvas = document.createElement('canvas');
  canvas.width = size.width;
  canvas.height = size.height;
  const context = canvas.getContext('2d')!;
  for (const layer of layers) {
    const image = await decodeImage(layer.url);
    context.globalAlpha = layer.opacity;
    context.drawImage(image, layer.rect.x * size.width, layer.rect.y * size.height, layer.rect.width * size.width, layer.rect.height * size.height);
  }
  return canvas.toDataURL('image/png');
}

/** Hands a data URL to the browser as a download. */
export function download(url: string, fileName: string): void {
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
}

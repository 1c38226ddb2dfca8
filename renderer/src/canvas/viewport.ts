/** How the document is placed on screen: screen = document * scale + (x, y). */
export interface Viewport {
  readonly x: number;
  readonly y: number;
  readonly scale: number;
}

export interface Size {
  readonly width: number;
  readonly height: number;
}

export const MIN_SCALE = 0.05;
export const MAX_SCALE = 32;
/** One wheel notch (deltaY 100) zooms by this factor, as in Krita and Photoshop's smooth zoom. */
const ZOOM_PER_NOTCH = 1.2;

const clampScale = (scale: number) => Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale));

/** Zooms by `factor` keeping the document point under `anchor` (a screen point) fixed. */
export function zoomAt(view: Viewport, anchor: { x: number; y: number }, factor: number): Viewport {
  const scale = clampScale(view.scale * factor);
  const docX = (anchor.x - view.x) / view.scale;
  const docY = (anchor.y - view.y) / view.scale;
  return { scale, x: anchor.x - docX * scale, y: anchor.y - docY * scale };
}

/** The zoom factor of a wheel event: up zooms in, down zooms out, proportional to the distance scrolled. */
export function wheelZoomFactor(deltaY: number): number {
  return ZOOM_PER_NOTCH ** (-deltaY / 100);
}

export function panBy(view: Viewport, dx: number, dy: number): Viewport {
  return { ...view, x: view.x + dx, y: view.y + dy };
}

/** The whole document centred in the stage with a margin: a small picture is enlarged to fill it, as a large one is shrunk. */
export function fitDocument(stage: Size, document: Size, margin = 32): Viewport {
  const available = { width: Math.max(1, stage.width - 2 * margin), height: Math.max(1, stage.height - 2 * margin) };
  const scale = clampScale(Math.min(available.width / document.width, available.height / document.height));
  return { scale, x: (stage.width - document.width * scale) / 2, y: (stage.height - document.height * scale) / 2 };
}

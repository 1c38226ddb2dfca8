import type { Page } from 'playwright-core';

/**
 * Where a point of the document page is on screen, read from the canvas's
 * view (its data-x, data-y, data-scale and data-page attributes), so tests
 * drag where a person would aim.
 */
export async function pagePointer(page: Page): Promise<(fx: number, fy: number) => readonly [number, number]> {
  const canvas = page.getByTestId('canvas');
  const bounds = (await canvas.boundingBox())!;
  const [x, y, scale] = await Promise.all(['data-x', 'data-y', 'data-scale'].map(async (a) => Number(await canvas.getAttribute(a))));
  const [width, height] = ((await canvas.getAttribute('data-page')) ?? '').split('x').map(Number) as [number, number];
  return (fx, fy) => [bounds.x + x! + fx * width * scale!, bounds.y + y! + fy * height * scale!] as const;
}

/** A left-button drag through the given page points (fractions of the page). */
export async function dragThrough(page: Page, points: readonly (readonly [number, number])[]): Promise<void> {
  const at = await pagePointer(page);
  const [first, ...rest] = points;
  await page.mouse.move(...at(...first!));
  await page.mouse.down();
  for (const point of rest) await page.mouse.move(...at(...point), { steps: 8 });
  await page.mouse.up();
}

import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { decodeRgbPng } from '../../main/images/png-images';
import { fixtureModels, temporary } from './backend';
import { launchChromium } from './browser';
import { requireBuild } from './paths';
import { startServe, type ServeProcess } from './serve-process';

export interface StudioPage {
  readonly serve: ServeProcess;
  readonly browser: Browser;
  readonly page: Page;
  /** Every message the page has sent the studio over its socket, in order. */
  readonly sent: readonly string[];
  /** The page's uncaught errors and console errors, in order. */
  readonly errors: readonly string[];
  close(): Promise<void>;
}

export interface StudioOptions {
  /** The data folder (a fresh temporary one if not given). */
  readonly home?: string;
  /** `npm run serve`'s arguments: the fixture models unless given. */
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly viewport?: { width: number; height: number };
}

/** `npm run serve` with its data under `home`, opened in Chromium and connected. */
export async function openStudio({ home = temporary('home'), args = ['--models', fixtureModels], env = {}, viewport = { width: 1400, height: 1000 } }: StudioOptions = {}): Promise<StudioPage> {
  requireBuild();
  const serve = await startServe([...args], env, home);
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport });
  const sent: string[] = [];
  const errors: string[] = [];
  page.on('websocket', (socket) => socket.on('framesent', (frame) => sent.push(String(frame.payload))));
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  await page.goto(serve.url);
  await page.locator('[data-testid=connection][data-state=connected]').waitFor();
  return {
    serve,
    browser,
    page,
    sent,
    errors,
    close: async () => {
      await browser.close();
      await serve.stop();
    },
  };
}

/** How many pixels of the canvas, as the screen shows it, satisfy `test` (r, g, b). */
export async function canvasPixels(page: Page, test: (r: number, g: number, b: number) => boolean): Promise<number> {
  const shot = decodeRgbPng(await page.getByTestId('canvas').screenshot(), 'screenshot');
  let count = 0;
  for (let i = 0; i < shot.data.length; i += 3) if (test(shot.data[i]!, shot.data[i + 1]!, shot.data[i + 2]!)) count++;
  return count;
}

/** The red channel of a PNG file (masks are grey) at a point given in fractions of the image. */
export function pixelOf(file: string, fx: number, fy: number): number {
  const image = decodeRgbPng(new Uint8Array(readFileSync(file)), file);
  return image.data[(Math.floor(fy * image.height) * image.width + Math.floor(fx * image.width)) * 3]!;
}

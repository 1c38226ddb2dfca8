import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (apt-get install chromium); WORDBRUSH_CHROMIUM points elsewhere. */
export const chromiumPath = process.env.WORDBRUSH_CHROMIUM ?? '/usr/bin/chromium';

/** The reason to skip end-to-end tests, or false when a Chromium is there to run them. */
export const noChromium: string | false = existsSync(chromiumPath)
  ? false
  : `no Chromium at ${chromiumPath}: install it (apt-get install chromium) or set WORDBRUSH_CHROMIUM to run the end-to-end tests`;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}

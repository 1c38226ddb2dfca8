/**
 * `npm run bench` (sixth part): live mode's edit-to-image latency with the
 * bundled starter (20 steps unless LIVE_STEPS says), measured in Chromium through browser mode: from a
 * keystroke in the prompt to the canvas showing the image drawn for it (the
 * page's own clock, so the browser's time to decode and draw is in), one
 * keystroke at a time, each waited for. Median and 90th percentile; the
 * aim is 300 ms. Figures, never asserted in tests.
 */
import { launchChromium } from '../test/helpers/browser';
import { startServe } from '../test/helpers/serve-process';

const EDITS = Number(process.env.LIVE_EDITS ?? 20);
/** The measure: 20 steps at 64x64 (the starter's own default is 25). */
const STEPS = process.env.LIVE_STEPS ?? '20';
const quantile = (values: readonly number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!;

async function main(): Promise<void> {
  const serve = await startServe();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(serve.url);
    await page.locator('[data-testid=inference][data-state=ready]').waitFor();
    await page.getByTestId('model').locator('option', { hasText: 'starter' }).waitFor({ state: 'attached' });
    await page.getByTestId('steps').fill(STEPS);
    const steps = await page.getByTestId('steps').inputValue();
    const size = `${await page.getByTestId('width').inputValue()}x${await page.getByTestId('height').inputValue()}`;
    await page.getByTestId('prompt').focus();
    await page.keyboard.press('Alt+KeyL');
    const latencies: number[] = [];
    const words = 'a red star left of a blue ring above a green cross ';
    for (let i = 0; i < EDITS + 3; i++) {
      const before = await page.getByTestId('canvas').getAttribute('data-image');
      // Timed in the page: the keystroke's time, and when the canvas shows an image other than the one before it.
      const shown = page.evaluate(
        (old) =>
          new Promise<number>((resolve) => {
            const canvas = document.querySelector('[data-testid=canvas]')!;
            const observer = new MutationObserver(() => {
              const url = canvas.getAttribute('data-image');
              if (url && url !== old) {
                observer.disconnect();
                resolve(performance.now());
              }
            });
            observer.observe(canvas, { attributes: true, attributeFilter: ['data-image'] });
          }),
        before,
      );
      const typed = await page.evaluate(() => performance.now());
      await page.keyboard.type(words[i % words.length]!);
      const at = await shown;
      // The first few warm the engine and the page.
      if (i >= 3) latencies.push(at - typed);
    }
    console.log(`Live mode: starter, ${size}, ${steps} steps, ${EDITS} single keystrokes each waited for, Chromium through browser mode, CPU`);
    console.log('| measure | median | p90 |');
    console.log('| --- | --- | --- |');
    console.log(`| keystroke to the new image on the canvas | ${quantile(latencies, 0.5).toFixed(0)} ms | ${quantile(latencies, 0.9).toFixed(0)} ms |`);
  } finally {
    await browser.close();
    await serve.stop();
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

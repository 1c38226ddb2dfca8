/**
 * `npm run bench` (canvas part): how smooth the editor is, measured in
 * Chromium through browser mode. A 1024x1024 document with 50 word-region
 * layers (each a painted blob) is opened; then frame times are recorded
 * (requestAnimationFrame intervals) while the brush paints a long stroke and
 * while the view is panned, and the time from a keystroke in the prompt to
 * the updated token view. Reports median and 95th percentile; the aim is
 * 55 fps or better (a frame within 18 ms). Figures, never asserted in tests.
 */
import { encodePng } from '../main/images/png';
import { launchChromium } from '../test/helpers/browser';
import { pagePointer } from '../test/helpers/canvas-page';
import { startServe } from '../test/helpers/serve-process';
import { connectStudioSocket } from '../test/helpers/socket-client';

const SIDE = 1024;
const LAYERS = 50;
const COLOURS = ['#e06c75', '#61afef', '#98c379', '#e5c07b', '#c678dd', '#56b6c2', '#d19a66', '#be5046'];

/** A white disc on black, as the engine reads masks: one per layer, spread over the page. */
function blobMask(index: number): string {
  const rgb = new Uint8Array(SIDE * SIDE * 3);
  const cx = ((index * 197) % 900) + 62;
  const cy = ((index * 331) % 900) + 62;
  const r = 40 + (index % 5) * 12;
  for (let y = Math.max(0, cy - r); y < Math.min(SIDE, cy + r); y++) {
    for (let x = Math.max(0, cx - r); x < Math.min(SIDE, cx + r); x++) if ((x - cx) ** 2 + (y - cy) ** 2 < r * r) rgb.fill(255, (y * SIDE + x) * 3, (y * SIDE + x) * 3 + 3);
  }
  return `data:image/png;base64,${encodePng(SIDE, SIDE, rgb).toString('base64')}`;
}

const quantile = (values: readonly number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};
const row = (name: string, frames: readonly number[]) => {
  const median = quantile(frames, 0.5);
  const p95 = quantile(frames, 0.95);
  return `| ${name} | ${frames.length} | ${median.toFixed(1)} ms (${(1000 / median).toFixed(0)} fps) | ${p95.toFixed(1)} ms (${(1000 / p95).toFixed(0)} fps) |`;
};

async function main(): Promise<void> {
  const serve = await startServe();
  const url = new URL(serve.url);
  const studio = await connectStudioSocket(Number(url.port), url.searchParams.get('token')!);
  const browser = await launchChromium();
  try {
    const assets: Record<string, string> = {};
    const layers = Array.from({ length: LAYERS }, (_, i) => {
      const mask = `asset_bench-${i}`;
      assets[mask] = blobMask(i);
      return { id: `layer_bench-${i}`, name: `word ${i}`, visible: true, locked: false, opacity: 1, kind: 'word-region' as const, mask, phrase: `word${i}`, strength: 1, colour: COLOURS[i % COLOURS.length]! };
    });
    const saved = { version: 1 as const, canvas: { width: SIDE, height: SIDE }, layers, regionalMode: 'auto' as const, paintWithWordsStrength: 0.4 };
    await studio.client.call('projects.save', { name: 'canvas-bench', document: saved as never, assets, panel: null });

    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(serve.url);
    await page.locator('[data-testid=connection][data-state=connected]').waitFor();
    await page.getByLabel('Open project').selectOption('canvas-bench');
    await page.getByRole('listitem', { name: 'word 49' }).waitFor();
    await page.waitForTimeout(1500);

    /** rAF intervals while `gesture` runs. */
    const frameTimes = async (gesture: () => Promise<void>) => {
      // As source text: tsx would wrap named functions in a helper the page does not have.
      await page.evaluate(`(() => {
        window.frames_ = [];
        window.recording_ = true;
        let last = performance.now();
        const tick = (now) => {
          window.frames_.push(now - last);
          last = now;
          if (window.recording_) requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      })()`);
      await gesture();
      return page.evaluate<number[]>('(() => { window.recording_ = false; return window.frames_.slice(2); })()');
    };
    const at = await pagePointer(page);
    const drag = async (points: number, path: (t: number) => [number, number]) => {
      await page.mouse.move(...at(...path(0)));
      await page.mouse.down();
      for (let i = 1; i <= points; i++) {
        await page.mouse.move(...at(...path(i / points)));
        await page.waitForTimeout(8);
      }
      await page.mouse.up();
    };

    await page.getByRole('button', { name: 'Select word 49' }).click();
    await page.getByRole('button', { name: 'Brush (B)' }).click();
    const painting = await frameTimes(() => drag(240, (t) => [0.1 + 0.8 * t, 0.5 + 0.3 * Math.sin(t * 12)]));
    await page.getByRole('button', { name: 'Pan (H)' }).click();
    const panning = await frameTimes(() => drag(240, (t) => [0.3 + 0.3 * Math.sin(t * 6), 0.3 + 0.3 * Math.cos(t * 6)]));

    // Keystroke to token view: from the key event to the token count changing.
    const prompt = page.getByTestId('prompt');
    await prompt.fill('a red star and a blue circle on a green background');
    await page.getByTestId('token-count').waitFor();
    const latencies: number[] = [];
    for (let i = 0; i < 30; i++) {
      await prompt.focus();
      latencies.push(
        await page.evaluate<number>(`new Promise((resolve) => {
          const counter = document.querySelector('[data-testid=token-count]');
          const field = document.querySelector('[data-testid=prompt]');
          const started = performance.now();
          new MutationObserver((_, observer) => {
            observer.disconnect();
            resolve(performance.now() - started);
          }).observe(counter, { childList: true, characterData: true, subtree: true });
          // What a keystroke does to a React text field: the value changes and an input event says so.
          Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value').set.call(field, field.value + ' w${i}');
          field.dispatchEvent(new Event('input', { bubbles: true }));
        })`),
      );
    }

    console.log(`Canvas: ${LAYERS} word-region layers on a ${SIDE}x${SIDE} document, Chromium (headless, software rendering) on this machine`);
    console.log('| gesture | frames | median frame | 95th percentile |');
    console.log('|---|---|---|---|');
    console.log(row('painting (brush stroke)', painting));
    console.log(row('panning', panning));
    console.log(`| prompt keystroke → token view | ${latencies.length} | ${quantile(latencies, 0.5).toFixed(1)} ms | ${quantile(latencies, 0.95).toFixed(1)} ms |`);
  } finally {
    await browser.close();
    studio.close();
    await serve.stop();
  }
}

void main();

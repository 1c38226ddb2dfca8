import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { noChromium } from '../helpers/browser';
import { openStudio, type StudioPage } from '../helpers/studio-page';

// The real renderer, built, served by `npm run serve`'s own entry, driven in Debian's Chromium.
describe('studio in browser mode', { skip: noChromium }, () => {
  let studio: StudioPage;
  let page: Page;

  const canvasView = async () => {
    const canvas = page.getByTestId('canvas');
    const [scale, x, y] = await Promise.all(['data-scale', 'data-x', 'data-y'].map((name) => canvas.getAttribute(name)));
    return { scale: Number(scale), x: Number(x), y: Number(y) };
  };

  before(async () => {
    studio = await openStudio({ viewport: { width: 1400, height: 900 } });
    page = studio.page;
  });

  after(async () => {
    await studio?.close();
  });

  test('loads the studio frame and shows the inference process connected on CPU', async () => {
    assert.equal(await page.title(), 'Wordbrush');
    for (const region of ['Prompt', 'Canvas', 'Layers', 'Models', 'Gallery']) {
      await page.getByRole('region', { name: region }).waitFor();
    }
    await page.locator('[data-testid=connection][data-state=connected]').waitFor();
    await page.locator('[data-testid=inference][data-state=ready]').waitFor();
    await page.locator('[data-testid=provider][data-provider=cpu]').waitFor();
    assert.match(await page.getByTestId('inference').innerText(), /Inference ready \(pid \d+\)/);
    assert.match(await page.getByTestId('providers').innerText(), /cpu/);
    assert.deepEqual(studio.errors, []);
  });

  test('pans by dragging and zooms around the pointer with the wheel', async () => {
    const box = (await page.getByTestId('canvas').boundingBox())!;
    const start = await canvasView();

    await page.mouse.move(box.x + 200, box.y + 200);
    await page.mouse.down();
    await page.mouse.move(box.x + 260, box.y + 170, { steps: 5 });
    await page.mouse.up();
    const panned = await canvasView();
    assert.equal(panned.scale, start.scale);
    assert.ok(Math.abs(panned.x - start.x - 60) < 0.11 && Math.abs(panned.y - start.y + 30) < 0.11, JSON.stringify({ start, panned }));

    const pointer = { x: 300, y: 250 };
    await page.mouse.move(box.x + pointer.x, box.y + pointer.y);
    await page.mouse.wheel(0, -100);
    await page.waitForFunction((before) => Number(document.querySelector('[data-testid=canvas]')!.getAttribute('data-scale')) > before, panned.scale);
    const zoomed = await canvasView();
    assert.ok(Math.abs(zoomed.scale / panned.scale - 1.2) < 1e-3, `one notch zooms 1.2x: ${panned.scale} → ${zoomed.scale}`);
    // The document point under the pointer stays under it.
    const docBefore = (pointer.x - panned.x) / panned.scale;
    const docAfter = (pointer.x - zoomed.x) / zoomed.scale;
    assert.ok(Math.abs(docBefore - docAfter) < 0.5, `${docBefore} vs ${docAfter}`);

    await page.keyboard.press('0');
    await page.waitForFunction((s) => document.querySelector('[data-testid=canvas]')!.getAttribute('data-scale') === s, start.scale.toFixed(4));
    assert.deepEqual(await canvasView(), start);
  });

  test('two fingers pinch to zoom around their middle and pan with it', async () => {
    const box = (await page.getByTestId('canvas').boundingBox())!;
    const start = await canvasView();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 2 });
    const touch = (type: 'touchStart' | 'touchMove' | 'touchEnd', spread: number) =>
      cdp.send('Input.dispatchTouchEvent', {
        type,
        touchPoints: type === 'touchEnd' ? [] : [{ x: box.x + 300 - spread, y: box.y + 250, id: 1 }, { x: box.x + 300 + spread, y: box.y + 250, id: 2 }],
      });
    await touch('touchStart', 50);
    for (const spread of [60, 70, 80, 90, 100]) await touch('touchMove', spread);
    await touch('touchEnd', 100);
    const pinched = await canvasView();
    // The fingers moved twice as far apart: twice the zoom, the page point between them still between them.
    assert.ok(Math.abs(pinched.scale / start.scale - 2) < 0.02, `${start.scale} → ${pinched.scale}`);
    assert.ok(Math.abs((300 - start.x) / start.scale - (300 - pinched.x) / pinched.scale) < 1);
    await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: false });
    await page.keyboard.press('0');
  });

  test('a malformed message on the socket gets a typed error and the studio keeps working', async () => {
    // Sent as source text: functions compiled by tsx carry helpers the page does not have.
    const replies = (await page.evaluate(`(async () => {
      const token = new URLSearchParams(location.search).get('token');
      const ws = new WebSocket('ws://' + location.host + '/ws?token=' + encodeURIComponent(token));
      await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
      const frames = [
        '{not json',
        JSON.stringify({ kind: 'call', id: 1, method: 'app.ping', input: { nonce: { $gt: '' } } }),
        JSON.stringify({ kind: 'call', id: 2, method: 'app.ping', input: { nonce: 'ok' } }),
      ];
      const answers = [];
      for (const frame of frames) {
        const answer = new Promise((resolve) => { ws.onmessage = (e) => resolve(JSON.parse(e.data)); });
        ws.send(frame);
        answers.push(await answer);
      }
      ws.close();
      return answers;
    })()`)) as { id: number | null; ok: boolean; error?: { code: string } }[];
    assert.equal(replies[0]!.ok, false);
    assert.equal(replies[0]!.error?.code, 'invalid-message');
    assert.equal(replies[1]!.error?.code, 'invalid-input');
    assert.equal(replies[2]!.ok, true);

    // The app's own connection is untouched and still answers calls.
    await page.getByTestId('reprobe').click();
    await page.locator('[data-testid=providers] li').first().waitFor();
    assert.equal(await page.getByTestId('connection').getAttribute('data-state'), 'connected');
  });

  test('generates from the prompt panel: progress with a preview, then the result on the canvas and in the gallery', async () => {
    await page.getByTestId('model').selectOption({ label: 'sd1-optimum (sd1)' });
    await page.getByTestId('prompt').fill('a large red star');
    await page.getByTestId('steps').fill('40');
    await page.getByTestId('width').fill('64');
    await page.getByTestId('height').fill('64');
    await page.getByTestId('provider-choice').selectOption('cpu');
    // The preview lives only while the job runs, which may be shorter than a poll: record its appearance as it happens.
    await page.evaluate(() => {
      (window as unknown as { previewSeen: boolean }).previewSeen = false;
      new MutationObserver((_, observer) => {
        if (!document.querySelector('[data-testid=preview]')) return;
        (window as unknown as { previewSeen: boolean }).previewSeen = true;
        observer.disconnect();
      }).observe(document.body, { childList: true, subtree: true, attributes: true });
    });
    await page.getByTestId('generate').click();
    await page.locator('[data-testid=gallery] img').first().waitFor();
    await page.getByTestId('generate').waitFor();
    assert.ok(await page.evaluate(() => (window as unknown as { previewSeen: boolean }).previewSeen), 'a preview was shown while the job ran');
    const src = await page.locator('[data-testid=gallery] img').first().getAttribute('src');
    // The strip shows the small copy; the canvas the image itself.
    assert.match(src ?? '', /^\.\/gallery\/\.thumbs\/wordbrush-.*\.png\?token=/);
    await page.waitForFunction((url) => document.querySelector('[data-testid=canvas]')!.getAttribute('data-image') === url, src!.replace('/.thumbs/', '/'));
    const loaded = await page.locator('[data-testid=gallery] img').first().evaluate((img: HTMLImageElement) => img.naturalWidth);
    assert.equal(loaded, 64);
    assert.match(await page.getByTestId('ran-on').innerText(), /unet: cpu/);
    assert.deepEqual(studio.errors, []);
  });

  test('Cancel stops a long generation without an error or a result', async () => {
    const before = await page.locator('[data-testid=gallery] img').count();
    // Long enough to still be running when Cancel lands: 200 steps at 256x256 (the starter does 200 at 64x64 in about a second).
    await page.getByTestId('steps').fill('200');
    await page.getByTestId('width').fill('256');
    await page.getByTestId('height').fill('256');
    await page.getByTestId('generate').click();
    await page.locator('[data-testid=generation-progress]').waitFor();
    await page.getByTestId('cancel').click();
    await page.getByTestId('generate').waitFor();
    assert.equal(await page.locator('[data-testid=gallery] img').count(), before);
    assert.equal(await page.getByTestId('generation-error').count(), 0);
  });

  test('a killed inference process is reported in the status bar and restarted', async () => {
    const inference = page.getByTestId('inference');
    const pid = Number(await inference.getAttribute('data-pid'));
    assert.ok(pid > 0);
    process.kill(pid, 'SIGKILL');
    await page.locator('[data-testid=inference][data-state=crashed]').waitFor();
    assert.match(await inference.innerText(), /crashed \(killed by SIGKILL\)/);
    await page.locator('[data-testid=inference][data-state=ready][data-restarts="1"]').waitFor();
    assert.notEqual(Number(await inference.getAttribute('data-pid')), pid);
    await page.locator('[data-testid=provider][data-provider=cpu]').waitFor();
  });
});

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { ProviderReport } from '../../app/contract/providers';
import { bestProvider } from '../../app/domain/providers';
import { formatBytes, formatDuration } from '../../app/domain/units';
import { resolveStaticFile } from '../../main/core/static-files';
import { readableReason } from '../../main/inference/provider-probe';
import { isLoopback, parseServeArgs, ServeArgsError } from '../../main/server/serve-args';
import { fitDocument, panBy, wheelZoomFactor, zoomAt, MAX_SCALE, MIN_SCALE } from '../../renderer/src/canvas/viewport';

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);

describe('canvas viewport', () => {
  test('zoomAt keeps the document point under the anchor fixed', () => {
    const view = { x: 40, y: -10, scale: 0.5 };
    const anchor = { x: 300, y: 200 };
    // Document point under the anchor before: ((300-40)/0.5, (200+10)/0.5) = (520, 420).
    const zoomed = zoomAt(view, anchor, 2);
    assert.equal(zoomed.scale, 1);
    close(zoomed.x + 520 * zoomed.scale, 300, 'x');
    close(zoomed.y + 420 * zoomed.scale, 200, 'y');
  });

  test('zoom is clamped at both ends', () => {
    assert.equal(zoomAt({ x: 0, y: 0, scale: 1 }, { x: 0, y: 0 }, 1e6).scale, MAX_SCALE);
    assert.equal(zoomAt({ x: 0, y: 0, scale: 1 }, { x: 0, y: 0 }, 1e-6).scale, MIN_SCALE);
  });

  test('one wheel notch zooms by 1.2 and the opposite notch undoes it', () => {
    close(wheelZoomFactor(-100), 1.2, 'in');
    close(wheelZoomFactor(100) * wheelZoomFactor(-100), 1, 'round trip');
  });

  test('panBy moves without zooming', () => {
    assert.deepEqual(panBy({ x: 1, y: 2, scale: 3 }, 10, -5), { x: 11, y: -3, scale: 3 });
  });

  const fits: [string, { width: number; height: number }, number, number, number][] = [
    // 1000x800 stage, 512 doc, margin 32: enlarged to (800-64)/512 = 1.4375, centred at ((1000-736)/2, 32).
    ['a large stage, enlarged', { width: 1000, height: 800 }, 1.4375, 132, 32],
    // 400x600 stage: width-limited, (400-64)/512 = 0.65625; x = (400-336)/2 = 32, y = (600-336)/2 = 132.
    ['a narrow stage', { width: 400, height: 600 }, 0.65625, 32, 132],
  ];
  for (const [name, stage, scale, x, y] of fits) {
    test(`fitDocument centres the page on ${name}`, () => {
      const view = fitDocument(stage, { width: 512, height: 512 });
      close(view.scale, scale, 'scale');
      close(view.x, x, 'x');
      close(view.y, y, 'y');
    });
  }
});

describe('execution provider choice', () => {
  const report = (name: ProviderReport['name'], usable: boolean): ProviderReport => ({ name, bundled: true, usable });
  const cases: [string, ProviderReport[], string, string | null][] = [
    ['CUDA over WebGPU on Linux', [report('cpu', true), report('webgpu', true), report('cuda', true)], 'linux', 'cuda'],
    ['WebGPU when CUDA failed its probe', [report('cpu', true), report('webgpu', true), report('cuda', false)], 'linux', 'webgpu'],
    ['CPU when nothing else works', [report('cpu', true), report('webgpu', false)], 'linux', 'cpu'],
    ['DirectML before WebGPU on Windows', [report('cpu', true), report('webgpu', true), report('dml', true)], 'win32', 'dml'],
    ['CoreML on macOS', [report('cpu', true), report('coreml', true)], 'darwin', 'coreml'],
    ['nothing when no probe passed', [report('cpu', false)], 'linux', null],
  ];
  for (const [name, reports, platform, expected] of cases) {
    test(name, () => assert.equal(bestProvider(reports, platform), expected));
  }
});

describe('provider failure reasons', () => {
  // Messages as onnxruntime-node 1.30 throws them on a machine without Vulkan or CUDA.
  const cases: [string, string][] = [
    [
      "/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 onnxruntime::webgpu::WebGpuContext::Initialize(const onnxruntime::webgpu::WebGpuContextConfig&)::<lambda()> adapter_result.status == wgpu::RequestAdapterStatus::Success was false. Failed to get a WebGPU adapter: No supported adapters\n",
      'Failed to get a WebGPU adapter: No supported adapters',
    ],
    ['OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library', 'Failed to load shared library'],
    ['something odd happened', 'something odd happened'],
  ];
  for (const [message, expected] of cases) {
    test(`"${expected}"`, () => assert.equal(readableReason(new Error(message)), expected));
  }
});

describe('static file resolution', () => {
  const root = '/srv/renderer';
  const cases: [string, string | null][] = [
    ['/', join(root, 'index.html')],
    ['/assets/index-abc.js', join(root, 'assets/index-abc.js')],
    ['/assets/a%20b.css', join(root, 'assets/a b.css')],
    ['/../secret', null],
    ['/assets/../../secret', null],
    ['/%2e%2e/secret', null],
    ['/assets/..%2f..%2fsecret', null],
    ['/..%5csecret', null],
    ['/a%00b', null],
    ['/%E0%A4%A', null],
  ];
  for (const [path, expected] of cases) {
    test(`${path} → ${expected ?? 'refused'}`, () => assert.equal(resolveStaticFile(root, path), expected));
  }
});

describe('npm run serve arguments', () => {
  test('default to loopback on port 5173 and the library alone', () => assert.deepEqual(parseServeArgs([]), { host: '127.0.0.1', port: 5173, models: [], gallery: null }));
  test('read --host, --port, --models (repeatable) and --gallery, spaced or with =', () => {
    assert.deepEqual(parseServeArgs(['--host', '0.0.0.0', '--port=0']), { host: '0.0.0.0', port: 0, models: [], gallery: null });
    assert.deepEqual(parseServeArgs(['--port', '8080', '--models', 'a', '--models=b', '--gallery', 'out']), { host: '127.0.0.1', port: 8080, models: ['a', 'b'], gallery: 'out' });
  });
  test('answer help', () => assert.equal(parseServeArgs(['--help']), 'help'));
  for (const bad of [['--port'], ['--port', 'abc'], ['--port', '70000'], ['--port', '-1'], ['--host'], ['--verbose'], ['serve']]) {
    test(`reject ${bad.join(' ')}`, () => assert.throws(() => parseServeArgs(bad), ServeArgsError));
  }
  test('tell loopback hosts from others', () => {
    assert.ok(isLoopback('127.0.0.1') && isLoopback('localhost') && isLoopback('::1'));
    assert.ok(!isLoopback('0.0.0.0') && !isLoopback('192.168.1.5'));
  });
});

describe('sizes and durations as people read them', () => {
  test('decimal bytes: two decimals in GB, none from 100 MB, one below, whole kB, bare bytes', () => {
    const cases: [number, string][] = [
      [999, '999 B'],
      [1000, '1 kB'],
      [1499, '1 kB'],
      [999_499, '999 kB'],
      [1e6, '1.0 MB'],
      [99_940_000, '99.9 MB'],
      [1e8, '100 MB'],
      [999_400_000, '999 MB'],
      [1e9, '1.00 GB'],
      [2_147_483_648, '2.15 GB'],
      [4.4e12, '4400.00 GB'],
    ];
    for (const [bytes, text] of cases) assert.equal(formatBytes(bytes), text, String(bytes));
  });

  test('durations: whole seconds rounded up under a minute, then minutes and seconds, then hours and minutes', () => {
    const cases: [number, string][] = [
      [0.2, '1 s'],
      [59.5, '60 s'],
      [60, '1 min 0 s'],
      [125.5, '2 min 6 s'],
      [3599, '59 min 59 s'],
      [3600, '1 h 0 min'],
      [7290, '2 h 2 min'],
    ];
    for (const [seconds, text] of cases) assert.equal(formatDuration(seconds), text, String(seconds));
  });
});

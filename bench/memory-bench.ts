/**
 * `npm run bench` (eighth part): what fusing the UNet's attention
 * (fused-attention.ts) and saving optimised graphs change, each measure in a
 * fresh process: the first and the second cold load of a model, and the peak
 * resident memory and steady step of a run at 256x256 and 512x512, fused and
 * as exported. The model is a full-size SD 1.5-shaped one made at bench time
 * by the fixture script (random weights, bench/.cache/, never committed), or
 * with BENCH_MEMORY_MODEL=wide a 320-wide fixture that is quicker to make.
 * Then main's event-loop delay (p99) while the inference process runs a
 * generation. Figures, never asserted in tests.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Engine } from '../main/engine/engine';
import { startBrowserServer } from '../main/server/browser-server';
import { browserBackend } from '../test/helpers/backend';
import { builtPaths, repoRoot } from '../test/helpers/paths';
import { connectStudioSocket } from '../test/helpers/socket-client';

/** The full-size SD 1.5-shaped model (860M-parameter UNet, random weights), or with BENCH_MEMORY_MODEL=wide a quicker 320-wide fixture. */
const KIND = process.env.BENCH_MEMORY_MODEL === 'wide' ? 'wide' : 'sd15-shaped';
const STEPS = Number(process.env.BENCH_STEPS ?? 4);
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function benchModel(): { dir: string; about: string } {
  const out = join(repoRoot, 'bench', '.cache', KIND === 'wide' ? 'memory-320' : 'sd15');
  const [fixture, extra, about] = KIND === 'wide' ? ['sd1-optimum', ['--unet-channels', '320'], 'the sd1-optimum fixture at UNet width 320 (attention at every level, two heads)'] : ['sd15-shaped', [], 'a full-size SD 1.5-shaped model (860M-parameter UNet, 3.4 GB of fp32 weights in the conversion script\'s layout; random weights)'];
  if (!existsSync(join(out, fixture, 'model_index.json'))) {
    const made = spawnSync('/usr/bin/python3', [join(repoRoot, 'models', 'scripts', 'make_fixtures.py'), fixture, '--out', out, ...extra], { stdio: 'inherit' });
    if (made.status !== 0) throw new Error('the fixture script could not make the model (it needs python3-torch and python3-onnx)');
  }
  return { dir: join(out, fixture), about };
}

/** One run in this process: its load time, steady step and peak RSS, as JSON. */
async function child(model: string, size: number, fuse: boolean, cacheDir: string): Promise<void> {
  const engine = new Engine({ platform: process.platform, version: 'bench', cacheDir, fuseAttention: fuse });
  const { timings } = await engine.run({ model, prompt: 'a red star', seed: 1, steps: STEPS, sampler: 'euler', width: size, height: size, cfgScale: 7, outputDir: mkdtempSync(join(tmpdir(), 'wordbrush-memory-out-')) });
  console.log(JSON.stringify({ loadMs: timings.loadMs, firstStepMs: timings.stepMs[0], stepMs: median(timings.stepMs.slice(1)), peak: process.resourceUsage().maxRSS * 1024 }));
}

function inChild(model: string, size: number, fuse: boolean, cacheDir: string): { loadMs: number; firstStepMs: number; stepMs: number; peak: number } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', __filename, 'child', model, String(size), String(fuse), cacheDir], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { loadMs: number; firstStepMs: number; stepMs: number; peak: number };
}

/** Main's event loop while the inference process it supervises runs a generation: main here is this process. */
async function loopDelay(): Promise<{ p99: number; max: number }> {
  const backend = browserBackend();
  const server = await startBrowserServer({ backend, rendererDir: builtPaths.rendererDir, galleryDir: mkdtempSync(join(tmpdir(), 'wordbrush-loop-gallery-')), host: '127.0.0.1', port: 0 });
  const studio = await connectStudioSocket(server.port, server.token);
  try {
    await studio.client.call('generate', { jobId: 'loop-warm', settings: { model: 'sd1-optimum', prompt: 'x', seed: 1, steps: 2, width: 256, height: 256 } });
    const histogram = monitorEventLoopDelay({ resolution: 5 });
    histogram.enable();
    await studio.client.call('generate', { jobId: 'loop-run', settings: { model: 'sd1-optimum', prompt: 'a red star', seed: 1, steps: 20, width: 512, height: 512 } });
    histogram.disable();
    return { p99: histogram.percentile(99) / 1e6, max: histogram.max / 1e6 };
  } finally {
    studio.close();
    await server.close();
    await backend.stop();
  }
}

async function main(): Promise<void> {
  const [mode, dir, size, fuse, cacheDir] = process.argv.slice(2);
  if (mode === 'child') return child(dir!, Number(size), fuse === 'true', cacheDir!);
  const { dir: model, about } = benchModel();
  const cache = mkdtempSync(join(tmpdir(), 'wordbrush-memory-cache-'));
  const plainCache = mkdtempSync(join(tmpdir(), 'wordbrush-memory-plain-'));
  const first = inChild(model, 256, true, cache);
  const second = inChild(model, 256, true, cache);
  const plainFirst = inChild(model, 256, false, plainCache);
  console.log(`Memory and loads: ${about}, ${STEPS} Euler steps, CFG batch of 2, CPU, a fresh process each`);
  console.log('| measure | value |');
  console.log('| --- | --- |');
  console.log(`| cold load, first (fusing, checking, optimising, saving) | ${(first.loadMs / 1000).toFixed(1)} s |`);
  console.log(`| cold load, second (the saved graphs) | ${(second.loadMs / 1000).toFixed(1)} s |`);
  console.log(`| cold load as exported, first (optimising at level all, saving) | ${(plainFirst.loadMs / 1000).toFixed(1)} s |`);
  for (const side of [256, 512]) {
    const fused = inChild(model, side, true, cache);
    const plain = inChild(model, side, false, plainCache);
    console.log(`| peak RSS at ${side}x${side}, fused vs as exported | ${mib(fused.peak)} vs ${mib(plain.peak)} |`);
    console.log(`| steady step at ${side}x${side}, fused vs as exported | ${fused.stepMs.toFixed(0)} vs ${plain.stepMs.toFixed(0)} ms |`);
    console.log(`| first step / steady step at ${side}x${side}, fused (no warm-up) | ${(fused.firstStepMs / fused.stepMs).toFixed(2)}x |`);
  }
  const delay = await loopDelay();
  console.log(`| main's event-loop delay during a 512x512 run in the inference process (sd1-optimum fixture), p99 / max | ${delay.p99.toFixed(1)} / ${delay.max.toFixed(1)} ms |`);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

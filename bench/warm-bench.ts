/**
 * `npm run bench` (seventh part): the first step of a run against its later
 * ones, in a fresh process each way: straight after loading the model, and
 * after the warm-up the studio runs while the person is still typing
 * (`generate.warm`: the model's parts once at the run's shapes). The aim is
 * a first step within 1.2x of a steady one. BENCH_MODEL (default the
 * sd1-optimum fixture), BENCH_SIZE (512) and BENCH_STEPS (8) change it.
 * Figures, never asserted in tests.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../main/engine/engine';
import { repoRoot } from '../test/helpers/paths';

const MODEL = process.env.BENCH_MODEL ?? join(repoRoot, 'models', 'fixtures', 'sd1-optimum');
const SIZE = Number(process.env.BENCH_SIZE ?? 512);
const STEPS = Number(process.env.BENCH_STEPS ?? 8);
const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function child(warm: boolean): Promise<void> {
  const engine = new Engine({ platform: process.platform, version: 'bench', cacheDir: mkdtempSync(join(tmpdir(), 'wordbrush-warm-bench-')) });
  const request = { model: MODEL, prompt: 'a red star left of a blue ring', seed: 1, steps: STEPS, sampler: 'euler' as const, width: SIZE, height: SIZE, cfgScale: 7, outputDir: mkdtempSync(join(tmpdir(), 'wordbrush-warm-out-')) };
  const warmMs = warm ? (await engine.warm({ model: MODEL, width: SIZE, height: SIZE, cfgScale: 7 })).warmMs : 0;
  const { timings } = await engine.run(request);
  await engine.release();
  console.log(JSON.stringify({ first: timings.stepMs[0], steady: median(timings.stepMs.slice(1)), warmMs }));
}

async function main(): Promise<void> {
  const way = process.argv[2];
  if (way === 'cold' || way === 'warm') return child(way === 'warm');
  console.log(`First step: ${MODEL.split('/').pop()} at ${SIZE}x${SIZE}, ${STEPS} Euler steps, CFG batch of 2, CPU, a fresh process each way`);
  console.log('| way | first step | steady step (median) | ratio | warm-up |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const way of ['cold', 'warm']) {
    const run = spawnSync(process.execPath, ['--import', 'tsx', __filename, way], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`${way}: ${run.stderr}`);
    const { first, steady, warmMs } = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { first: number; steady: number; warmMs: number };
    console.log(`| ${way === 'cold' ? 'straight after loading' : 'after the warm-up'} | ${first.toFixed(0)} ms | ${steady.toFixed(0)} ms | ${(first / steady).toFixed(2)}x | ${way === 'warm' ? `${warmMs.toFixed(0)} ms, load included` : '-'} |`);
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

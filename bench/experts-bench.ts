/**
 * `npm run bench` (fifth part): an ensemble of expert denoisers (SDXL base +
 * refiner layout) held together against one model at a time: the peak
 * resident memory and the time of one run each, each way in a fresh
 * process so its peak is its own. The models are the sdxl and sdxl-refiner
 * fixtures made wider at bench time by the fixture script (random weights,
 * never committed; BENCH_UNET_CHANNELS, default 256); without Python and
 * torch the committed fixtures stand in, and the table says so. A figure,
 * never asserted in tests.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../main/engine/engine';
import { readModelFolder, weightBytes } from '../main/engine/model/model-folder';
import { repoRoot } from '../test/helpers/paths';

const CHANNELS = Number(process.env.BENCH_UNET_CHANNELS ?? 256);
const SIZE = Number(process.env.BENCH_SIZE ?? 256);
const STEPS = Number(process.env.BENCH_STEPS ?? 10);
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** The wide pair, made once into bench/.cache; null when the fixture script cannot run here. */
function widePair(): { base: string; expert: string } | null {
  const out = join(repoRoot, 'bench', '.cache', `experts-${CHANNELS}`);
  const pair = { base: join(out, 'sdxl'), expert: join(out, 'sdxl-refiner') };
  if (existsSync(join(pair.expert, 'model_index.json'))) return pair;
  for (const fixture of ['sdxl', 'sdxl-refiner']) {
    const made = spawnSync('/usr/bin/python3', [join(repoRoot, 'models', 'scripts', 'make_fixtures.py'), fixture, '--out', out, '--unet-channels', String(CHANNELS)], { stdio: 'ignore' });
    if (made.status !== 0) return null;
  }
  return pair;
}

/** One run in this process, held together or one at a time; prints its peak RSS and time as JSON. */
async function child(together: boolean, base: string, expert: string): Promise<void> {
  const engine = new Engine({ platform: process.platform, version: 'bench', cacheDir: mkdtempSync(join(tmpdir(), 'wordbrush-experts-bench-')), ensembleFits: () => together });
  const started = performance.now();
  const result = await engine.run({ model: base, prompt: 'a lion on a rock at night', seed: 1, steps: STEPS, width: SIZE, height: SIZE, outputDir: mkdtempSync(join(tmpdir(), 'wordbrush-experts-out-')), experts: [{ model: expert, switchAt: { fraction: 0.8 } }] });
  const seconds = (performance.now() - started) / 1000;
  await engine.release();
  console.log(JSON.stringify({ peak: process.resourceUsage().maxRSS * 1024, seconds, loads: result.experts?.map((e) => e.loadMs) }));
}

async function main(): Promise<void> {
  const [mode, base, expert] = process.argv.slice(2);
  if (mode === 'together' || mode === 'apart') return child(mode === 'together', base!, expert!);
  const wide = widePair();
  const pair = wide ?? { base: join(repoRoot, 'models', 'fixtures', 'sdxl'), expert: join(repoRoot, 'models', 'fixtures', 'sdxl-refiner') };
  const weights = await Promise.all([pair.base, pair.expert].map(async (dir) => weightBytes(await readModelFolder(dir))));
  const runs: Record<string, { peak: number; seconds: number }> = {};
  for (const way of ['together', 'apart']) {
    const run = spawnSync(process.execPath, ['--import', 'tsx', __filename, way, pair.base, pair.expert], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`${way}: ${run.stderr}`);
    runs[way] = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { peak: number; seconds: number };
  }
  console.log(`Experts: ${wide ? `the SDXL base and refiner fixtures at UNet width ${CHANNELS}` : 'the committed fixtures (no Python/torch here to widen them)'}, weights ${mib(weights[0]!)} + ${mib(weights[1]!)}, ${SIZE}x${SIZE}, ${STEPS} steps, switch at 0.8, CPU`);
  console.log('| way | peak RSS | run (load included) |');
  console.log('| --- | --- | --- |');
  console.log(`| held together | ${mib(runs.together!.peak)} | ${runs.together!.seconds.toFixed(1)} s |`);
  console.log(`| one at a time | ${mib(runs.apart!.peak)} | ${runs.apart!.seconds.toFixed(1)} s |`);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

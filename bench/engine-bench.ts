/**
 * `npm run bench`: what the engine costs beyond the UNet. On a fixture model
 * it times every sampling step of a generation against the UNet calls inside
 * that step; then the attention-biased UNet against the original (zero bias,
 * same feeds) and the step cost of paint-with-words and of latent composition
 * per region; the time per image and the peak memory. Ratios within one run,
 * on one machine; never asserted in tests.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as ort from 'onnxruntime-node';
import { Engine } from '../main/engine/engine';
import { maskInput, pwwInput, PWW_SCALE_INPUT } from '../main/engine/graph/attention-bias';
import { inputShape, inputType, type Part } from '../main/engine/model/loaded-model';
import { makeTensor } from '../main/engine/onnx/tensors';
import { repoRoot } from '../test/helpers/paths';

const MODEL = process.env.BENCH_MODEL ?? join(repoRoot, 'models', 'fixtures', 'sd1-optimum');
const SIZE = Number(process.env.BENCH_SIZE ?? 512);
const STEPS = Number(process.env.BENCH_STEPS ?? 20);
const PROVIDER = (process.env.BENCH_PROVIDER ?? 'cpu') as 'cpu';
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const ROUNDS = 3;

/** session.run on the feeds of one guided step, STEPS times; on the attention-biased UNet with zero biases when given. */
async function unetAlone(engine: Engine, biased?: { part: Part; factors: readonly number[] }): Promise<number[]> {
  const model = (await engine.loadedModel())!;
  const unet = biased?.part ?? model.unet;
  const { factor, channels } = model.folder.latent;
  const latent = SIZE / factor;
  const width = Number(inputShape(model.unet, 'encoder_hidden_states')?.[2]);
  const feeds: Record<string, ort.Tensor> = {
    sample: makeTensor(inputType(model.unet, 'sample'), new Float32Array(2 * channels * latent * latent).fill(0.1), [2, channels, latent, latent]),
    timestep: makeTensor(inputType(model.unet, 'timestep'), [500, 500], [2]),
    encoder_hidden_states: makeTensor(inputType(model.unet, 'encoder_hidden_states'), new Float32Array(2 * 77 * width).fill(0.1), [2, 77, width]),
  };
  if (biased) {
    feeds[PWW_SCALE_INPUT] = makeTensor('float32', [0], [1]);
    for (const f of biased.factors) {
      const positions = Math.ceil(latent / f) ** 2;
      feeds[pwwInput(f)] = makeTensor('float32', new Float32Array(2 * positions * 77), [2, positions, 77]);
      feeds[maskInput(f)] = makeTensor('float32', new Float32Array(2 * positions * 77), [2, positions, 77]);
    }
  }
  const times: number[] = [];
  for (let i = 0; i < STEPS; i++) {
    const start = performance.now();
    await unet.session.run(feeds);
    times.push(performance.now() - start);
  }
  return times;
}

async function main(): Promise<void> {
  const engine = new Engine({ platform: process.platform, version: 'bench', cacheDir: mkdtempSync(join(tmpdir(), 'wordbrush-bench-cache-')) });
  const outputDir = mkdtempSync(join(tmpdir(), 'wordbrush-bench-'));
  const request = { model: MODEL, prompt: 'a large red star to the left of a small blue ring', seed: 1, steps: STEPS, width: SIZE, height: SIZE, sampler: 'dpmpp_2m' as const, cfgScale: 7, provider: PROVIDER, outputDir };
  await engine.run({ ...request, steps: 2 }); // load and warm up

  // Each step's UNet calls are timed inside the step itself, so the overhead is measured on the same
  // step, immune to the machine's speed drifting between runs.
  const model = (await engine.loadedModel())!;
  const session = model.unet.session;
  const run = session.run.bind(session);
  let unetInStep = 0;
  session.run = (async (...args: Parameters<typeof run>) => {
    const start = performance.now();
    const out = await run(...args);
    unetInStep += performance.now() - start;
    return out;
  }) as typeof session.run;
  const stepTimes: number[] = [];
  const unetTimes: number[] = [];
  const totals: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    let last = start;
    await engine.run(request, {
      onProgress: ({ step }) => {
        const now = performance.now();
        // The first step also encodes the prompt; the steps after it are the sampling loop alone.
        if (step > 1) {
          stepTimes.push(now - last);
          unetTimes.push(unetInStep);
        }
        unetInStep = 0;
        last = now;
      },
    });
    totals.push(performance.now() - start);
  }
  session.run = run;
  const overheads = stepTimes.map((t, i) => t / unetTimes[i]! - 1);
  const unet = median(unetTimes);
  const step = median(stepTimes);
  const total = median(totals);

  // Spatial conditioning: the patched UNet against the original, and latent composition per region.
  const biased = await model.biasedUnet(join(outputDir, 'cache'));
  if (!biased.ok) throw new Error(biased.reason);
  const plainTimes: number[] = [];
  const biasedTimes: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    plainTimes.push(...(await unetAlone(engine)));
    biasedTimes.push(...(await unetAlone(engine, biased)));
  }
  const half = (x: number) => ({ kind: 'rect' as const, rect: { x, y: 0, width: 0.5, height: 1 } });
  const stepTimesOf = async (conditioning: Parameters<Engine['run']>[0]['conditioning'], times: number[]) => {
    let last = performance.now();
    await engine.run({ ...request, conditioning }, {
      onProgress: ({ step }) => {
        const now = performance.now();
        if (step > 1) times.push(now - last);
        last = now;
      },
    });
  };
  const composition = (regions: number) => ({
    version: 1 as const,
    regionalMode: 'latent-composition' as const,
    regions: Array.from({ length: regions }, (_, i) => ({ id: `r${i}`, prompt: 'a green cross', mask: half(i % 2 ? 0.5 : 0) })),
  });
  const variants = { plain: undefined, pww: { version: 1 as const, regions: [{ id: 'star', phrase: 'red star', mask: half(0) }] }, one: composition(1), two: composition(2) };
  const times: Record<keyof typeof variants, number[]> = { plain: [], pww: [], one: [], two: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const key of Object.keys(variants) as (keyof typeof variants)[]) await stepTimesOf(variants[key], times[key]);
  }
  const [plainStep, pwwStep, oneRegion, twoRegions] = [times.plain, times.pww, times.one, times.two].map(median) as [number, number, number, number];
  const rssMiB = process.resourceUsage().maxRSS / 1024;

  const rows: [string, string][] = [
    ['model', `${MODEL.split('/').pop()} at ${SIZE}x${SIZE}, ${STEPS} steps, CFG batch of 2, ${PROVIDER}, ${ROUNDS} rounds`],
    ['UNet session.run within a step (median)', `${unet.toFixed(2)} ms`],
    ['pipeline step (median)', `${step.toFixed(2)} ms`],
    ['pipeline overhead per step (median of step / its UNet time - 1)', `${(median(overheads) * 100).toFixed(2)} %`],
    ['end to end per image', `${total.toFixed(0)} ms`],
    ['attention-biased UNet vs original, session.run (zero bias)', `${median(biasedTimes).toFixed(2)} vs ${median(plainTimes).toFixed(2)} ms: ${(((median(biasedTimes) - median(plainTimes)) / median(plainTimes)) * 100).toFixed(2)} %`],
    ['pipeline step with paint-with-words vs plain', `${pwwStep.toFixed(2)} vs ${plainStep.toFixed(2)} ms: ${(((pwwStep - plainStep) / plainStep) * 100).toFixed(2)} %`],
    ['latent composition, 1 and 2 regions', `${oneRegion.toFixed(2)} and ${twoRegions.toFixed(2)} ms per step: +${(((oneRegion - plainStep) / plainStep) * 100).toFixed(0)} % a region`],
    ['peak RSS', `${rssMiB.toFixed(0)} MiB`],
  ];
  console.log('| measure | value |\n| --- | --- |');
  for (const [name, value] of rows) console.log(`| ${name} | ${value} |`);
  await engine.release();
}

void main();

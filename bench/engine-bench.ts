/**
 * `npm run bench`: what the engine costs beyond the UNet. On a fixture model
 * it times the UNet's session.run alone on the exact feeds of a guided step,
 * then a whole generation step by step, and reports the overhead, the time
 * per image and the peak memory. Ratios within one run, on one machine; never
 * asserted in tests.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as ort from 'onnxruntime-node';
import { Engine } from '../main/engine/engine';
import { inputShape, inputType } from '../main/engine/model/loaded-model';
import { makeTensor } from '../main/engine/onnx/tensors';
import { repoRoot } from '../test/helpers/paths';

const MODEL = process.env.BENCH_MODEL ?? join(repoRoot, 'models', 'fixtures', 'sd1-optimum');
const SIZE = Number(process.env.BENCH_SIZE ?? 512);
const STEPS = Number(process.env.BENCH_STEPS ?? 20);
const PROVIDER = (process.env.BENCH_PROVIDER ?? 'cpu') as 'cpu';
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const ROUNDS = 3;

/** session.run on the feeds of one guided step, STEPS times. */
async function unetAlone(engine: Engine): Promise<number[]> {
  const model = (await engine.loadedModel())!;
  const latent = SIZE / 8;
  const width = Number(inputShape(model.unet, 'encoder_hidden_states')?.[2]);
  const feeds: Record<string, ort.Tensor> = {
    sample: makeTensor(inputType(model.unet, 'sample'), new Float32Array(2 * 4 * latent * latent).fill(0.1), [2, 4, latent, latent]),
    timestep: makeTensor(inputType(model.unet, 'timestep'), [500, 500], [2]),
    encoder_hidden_states: makeTensor(inputType(model.unet, 'encoder_hidden_states'), new Float32Array(2 * 77 * width).fill(0.1), [2, 77, width]),
  };
  const times: number[] = [];
  for (let i = 0; i < STEPS; i++) {
    const start = performance.now();
    await model.unet.session.run(feeds);
    times.push(performance.now() - start);
  }
  return times;
}

async function main(): Promise<void> {
  const engine = new Engine({ platform: process.platform, version: 'bench' });
  const outputDir = mkdtempSync(join(tmpdir(), 'wordbrush-bench-'));
  const request = { model: MODEL, prompt: 'a large red star to the left of a small blue ring', seed: 1, steps: STEPS, width: SIZE, height: SIZE, sampler: 'dpmpp_2m' as const, cfgScale: 7, provider: PROVIDER, outputDir };
  await engine.run({ ...request, steps: 2 }); // load and warm up

  // Rounds alternate the two measurements so that drift in the machine's speed hits both alike.
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
        if (step > 1) stepTimes.push(now - last);
        last = now;
      },
    });
    totals.push(performance.now() - start);
    unetTimes.push(...(await unetAlone(engine)));
  }
  const unet = median(unetTimes);
  const step = median(stepTimes);
  const total = median(totals);
  const rssMiB = process.resourceUsage().maxRSS / 1024;

  const rows: [string, string][] = [
    ['model', `${MODEL.split('/').pop()} at ${SIZE}x${SIZE}, ${STEPS} steps, CFG batch of 2, ${PROVIDER}, ${ROUNDS} rounds`],
    ['UNet session.run alone (median)', `${unet.toFixed(2)} ms`],
    ['pipeline step (median)', `${step.toFixed(2)} ms`],
    ['pipeline overhead per step', `${(((step - unet) / unet) * 100).toFixed(2)} %`],
    ['end to end per image', `${total.toFixed(0)} ms`],
    ['peak RSS', `${rssMiB.toFixed(0)} MiB`],
  ];
  console.log('| measure | value |\n| --- | --- |');
  for (const [name, value] of rows) console.log(`| ${name} | ${value} |`);
  await engine.release();
}

void main();

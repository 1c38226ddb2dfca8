/**
 * `npm run bench` (third part): memory over a long session. Runs `npm run
 * serve`'s own process and asks it for 200 starter-model generations, one
 * after another, over the contract, and reports the resident memory of main
 * and of the inference process after 20, 100 and 200 of them: the first
 * runs warm up onnxruntime's arena and the JIT, so growth is read over the
 * second half. The aim: under 5%. A figure, never asserted in tests.
 */
import { connectStudioSocket } from '../test/helpers/socket-client';
import { startServe } from '../test/helpers/serve-process';
import { rssOf } from '../test/helpers/process';

const RUNS = Number(process.env.SOAK_RUNS ?? 200);
const CHECKPOINTS = [20, RUNS / 2, RUNS];

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

async function main(): Promise<void> {
  const serve = await startServe();
  const url = new URL(serve.url);
  const studio = await connectStudioSocket(Number(url.port), url.searchParams.get('token')!);
  try {
    const inferencePid = (await studio.client.call('app.info', {})).inference.pid!;
    const mainPid = serve.child.pid!;
    const rss: Record<'main' | 'inference', number[]> = { main: [], inference: [] };
    const started = performance.now();
    for (let run = 1; run <= RUNS; run++) {
      await studio.client.call('generate', { jobId: `soak-${run}`, settings: { model: 'starter', prompt: `a red star left of a blue ring, run ${run}`, seed: run } });
      if (CHECKPOINTS.includes(run)) {
        rss.main.push(rssOf(mainPid));
        rss.inference.push(rssOf(inferencePid));
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const row = (part: 'main' | 'inference') => {
      const [, half, end] = rss[part] as [number, number, number];
      return `${rss[part].map(mb).join(' → ')} | ${(((end - half) / half) * 100).toFixed(1)}%`;
    };
    console.log(`Soak: ${RUNS} starter generations (64x64, 25 steps) in one process, ${(seconds / RUNS).toFixed(2)} s each`);
    console.log(`| process | RSS after ${CHECKPOINTS.join(', ')} runs | growth over the second half |`);
    console.log('| --- | --- | --- |');
    console.log(`| main (serve) | ${row('main')} |`);
    console.log(`| inference | ${row('inference')} |`);
  } finally {
    studio.close();
    await serve.stop();
  }
}

void main();

import type { LoadedModel } from '../model/loaded-model';
import { encodePrompts } from './text-conditioning';
import { unetCaller } from './unet-runner';
import { decodeLatents } from './vae';

/**
 * The UNet calls a warm-up makes: onnxruntime plans its memory and grows its
 * arena for a new input shape on the first runs, which made a session's first
 * one or two runs 1.5-2.6x slower than later ones (measured on an SD 1.5-shaped
 * UNet at 512x512). Measured with `bench/warm-bench.ts`: after two calls the
 * run's first step was 1.21x a steady one, after three 1.13x.
 */
const WARM_CALLS = 3;

/**
 * Runs a model's parts once at a run's shapes (text encoders, the UNet at the
 * guidance batch and latent size, the VAE decoder at the image size), so the
 * next run's first step is as fast as its others. Checks `signal` between
 * calls: a real run that arrives waits for one call at most.
 */
export async function warmUp(model: LoadedModel, size: { readonly width: number; readonly height: number }, guidance: boolean, signal?: AbortSignal): Promise<void> {
  const { factor, channels } = model.folder.latent;
  const [h, w] = [size.height / factor, size.width / factor];
  const between = async () => {
    await new Promise((resolve) => setImmediate(resolve));
    signal?.throwIfAborted();
  };
  await between();
  const prompts = await encodePrompts(model, '', '', guidance);
  const call = unetCaller(model, { conds: [prompts.cond], uncond: prompts.uncond, guidanceScale: 1, size }, [channels, h, w]);
  const zeros = new Float32Array(channels * h * w);
  for (let i = 0; i < WARM_CALLS; i++) {
    await between();
    await call(zeros, model.noise.timestepOf(1), 1);
  }
  await between();
  await decodeLatents(model, zeros, h, w);
}

import { existsSync } from 'node:fs';
import { freemem, totalmem } from 'node:os';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GenerationRequest, type GenerationProgress, type GenerationResult, type ParsedGenerationRequest, type RunReport } from '../../app/contract/generation';
import type { ExecutionProviderName, ProviderReport } from '../../app/contract/providers';
import { LoadedModel } from './model/loaded-model';
import { providerOrder } from './onnx/execution';
import { hasOptimizedGraph } from './onnx/optimized-graphs';
import { maskToLatent, readImageSource, resizeRgb } from './output/images';
import { a1111Parameters } from './output/parameters';
import { encodePng } from './output/png';
import { previewOf } from './output/preview';
import type { AttentionObserver } from './conditioning/spatial-denoiser';
import { generate, resolveSettings, type StartImages } from './pipeline/generate';
import { ensureWritable, PARTIAL } from './output/output-folder';
import { checkFitsInMemory } from './pipeline/memory-estimate';
import { inputType } from './model/loaded-model';

export interface EngineOptions {
  readonly platform: string;
  /** What the provider probe found, when one ran (the inference process has one; the CLI does not). */
  readonly probedProviders?: () => Promise<readonly ProviderReport[]>;
  readonly version: string;
  /** Whether to give the model's memory back after a run; by default when under a tenth of RAM is free. */
  readonly memoryTight?: () => boolean;
  /** Where patched UNet graphs are cached (the library's cache/ folder). */
  readonly cacheDir: string;
}

const underATenthFree = () => freemem() < totalmem() / 10;

export interface RunHooks {
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: Omit<GenerationProgress, 'jobId'>) => void | Promise<void>;
  /** Previews cost a PNG encode each: made for the first step, then at most this often (ms); Infinity for none. */
  readonly previewIntervalMs?: number;
  /** Cross-attention maps of every UNet run, for measuring spatial control (loads the UNet variant that outputs them). */
  readonly onAttention?: AttentionObserver;
}

const PREVIEW_INTERVAL_MS = 100;

/** What makes a loaded model the one a request asks for: its folder, provider and family override. */
const modelKey = (dir: string, provider: ExecutionProviderName | undefined, family: ParsedGenerationRequest['family']) => JSON.stringify([dir, provider ?? null, family ?? null]);

/**
 * The engine as the inference process and the CLI use it: keeps one model
 * loaded (switching releases the previous one's sessions), runs requests and
 * writes their results (PNG with A1111 parameters, JSON sidecar with the full
 * request) atomically into the output folder.
 */
export class Engine {
  private loaded: { key: string; model: Promise<LoadedModel> } | null = null;
  /** Said by the last model load, for the next run's warnings. */
  private readonly loadWarnings: string[] = [];

  constructor(private readonly options: EngineOptions) {}

  async run(raw: GenerationRequest, hooks: RunHooks = {}): Promise<GenerationResult> {
    const request = GenerationRequest.parse(raw);
    try {
      return await this.generate(request, hooks);
    } finally {
      if ((this.options.memoryTight ?? underATenthFree)()) await this.release();
    }
  }

  private async generate(request: ParsedGenerationRequest, hooks: RunHooks): Promise<GenerationResult> {
    await ensureWritable(request.outputDir);
    const announce = (phase: 'loading' | 'preparing', optimising = false) => hooks.onProgress?.({ phase, image: 0, images: request.batchCount, step: 0, steps: request.steps ?? 1, ...(optimising ? { optimising } : {}) });
    const order = providerOrder(this.options.platform, (await this.options.probedProviders?.()) ?? null, request.provider);
    await announce('loading', await this.willOptimise(request.model, order, request.provider, request.family));
    const loadStart = performance.now();
    const model = await this.model(request.model, order, request.provider, request.family);
    const loadMs = performance.now() - loadStart;
    await announce('preparing');
    const resolved = resolveSettings(model, request);
    checkFitsInMemory({
      family: model.family.id,
      width: resolved.width,
      height: resolved.height,
      batch: model.family.guidance && resolved.cfgScale > 1 ? 2 : 1,
      bytesPerElement: inputType(model.unet, 'sample') === 'float16' ? 2 : 4,
      vaeFactor: model.folder.latent.factor,
      provider: model.unet.provider,
    });
    const start = await this.startImages(model, request, hooks.signal);
    const images: GenerationResult['images'] = [];
    const previewInterval = hooks.previewIntervalMs ?? PREVIEW_INTERVAL_MS;
    let lastPreview = -Infinity;
    const { settings, report } = await generate(model, request, start, { cacheDir: this.options.cacheDir }, {
      signal: hooks.signal,
      ...(hooks.onAttention ? { onAttention: hooks.onAttention } : {}),
      onStep: async (p) => {
        if (!hooks.onProgress) return;
        const now = performance.now();
        const due = p.step === 1 || now - lastPreview >= previewInterval;
        if (due) lastPreview = now;
        const preview = due && previewInterval !== Infinity ? await previewOf(model, p.denoised, p.latentWidth, p.latentHeight) : undefined;
        await hooks.onProgress({ phase: 'sampling', image: p.image, images: p.images, step: p.step, steps: p.steps, ...(preview ? { preview } : {}) });
      },
      onImage: async (image, seed, soFar) => {
        const fields = { ...request, prompt: soFar.prompt, ...resolved, seed, model: model.folder.name, denoisingStrength: request.init?.strength };
        const run: RunReport = { ...soFar, timings: { loadMs, ...soFar.timings } };
        const sidecar = { wordbrush: this.options.version, request: { ...request, seed }, family: model.family.id, settings: resolved, providers: await model.providersInUse(), run };
        // The full request travels in the image too, so a result can be regenerated from the PNG alone.
        const text = { parameters: a1111Parameters(fields), wordbrush: JSON.stringify(sidecar) };
        images.push(await writeResult(request.outputDir, seed, encodePng(image.width, image.height, image.data, text), sidecar, image));
      },
    });
    // What loading the model had to say (an optimised graph that could not be saved or opened) goes with the first run after it.
    const warnings = [...this.loadWarnings.splice(0), ...report.warnings];
    return { images, family: model.family.id, providers: await model.providersInUse(), settings, ...report, warnings, timings: { loadMs, ...report.timings } };
  }

  /** The model currently loaded, if any (diagnostics and tests). */
  async loadedModel(): Promise<LoadedModel | null> {
    return (await this.loaded?.model.catch(() => null)) ?? null;
  }

  /** Releases the loaded model's sessions (when memory is tight, or on shutdown). */
  async release(): Promise<void> {
    const loaded = this.loaded;
    this.loaded = null;
    await (await loaded?.model.catch(() => null))?.release();
  }

  /** Whether loading this model will optimise its UNet's graph (not loaded now, and no graph saved for it here). */
  private async willOptimise(dir: string, order: readonly ExecutionProviderName[], provider: ExecutionProviderName | undefined, family: ParsedGenerationRequest['family']): Promise<boolean> {
    if (this.loaded?.key === modelKey(dir, provider, family)) return false;
    const unet = join(dir, 'unet', 'model.onnx');
    return existsSync(unet) && !(await hasOptimizedGraph(unet, order, this.options.cacheDir));
  }

  private async model(dir: string, order: readonly ExecutionProviderName[], provider: ExecutionProviderName | undefined, family: ParsedGenerationRequest['family']): Promise<LoadedModel> {
    const key = modelKey(dir, provider, family);
    if (this.loaded?.key === key) {
      const model = await this.loaded.model.catch(() => null);
      if (model) return model;
    }
    await this.release();
    const model = LoadedModel.load(dir, order, family, { dir: this.options.cacheDir, warn: (message) => this.loadWarnings.push(message) });
    this.loaded = { key, model };
    return model;
  }

  private async startImages(model: LoadedModel, request: ParsedGenerationRequest, signal: AbortSignal | undefined): Promise<StartImages> {
    if (!request.init) return {};
    const { width, height } = resolveSettings(model, request);
    const init = resizeRgb(await readImageSource(request.init.image, 'The start image'), width, height);
    await stopIfCancelled(signal);
    const mask = request.mask ? maskToLatent(await readImageSource(request.mask, 'The inpaint mask'), width / model.folder.latent.factor, height / model.folder.latent.factor) : undefined;
    await stopIfCancelled(signal);
    return mask ? { init, mask } : { init };
  }
}

/**
 * Decoding holds the thread; a cancel sent meanwhile waits in the queue.
 * Letting queued messages in first means a run cancelled while it decoded
 * stops before its first step.
 */
async function stopIfCancelled(signal: AbortSignal | undefined): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  signal?.throwIfAborted();
}

async function writeResult(dir: string, seed: number, png: Buffer, sidecar: object, image: { width: number; height: number }): Promise<GenerationResult['images'][number]> {
  await mkdir(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  let base = join(dir, `wordbrush-${stamp}-${seed}`);
  for (let n = 2; existsSync(`${base}.png`); n++) base = join(dir, `wordbrush-${stamp}-${seed}-${n}`);
  // Written beside and renamed into place: a crash never leaves a half-written result under its final name.
  await writeFile(`${base}.png${PARTIAL}`, png);
  await writeFile(`${base}.json${PARTIAL}`, `${JSON.stringify(sidecar, null, 2)}\n`);
  await rename(`${base}.json${PARTIAL}`, `${base}.json`);
  await rename(`${base}.png${PARTIAL}`, `${base}.png`);
  return { path: `${base}.png`, sidecar: `${base}.json`, seed, width: image.width, height: image.height };
}

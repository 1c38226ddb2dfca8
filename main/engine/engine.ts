import { existsSync } from 'node:fs';
import { freemem, totalmem } from 'node:os';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { GenerationRequest, WarmRequest, type GenerationProgress, type GenerationResult, type ParsedGenerationRequest, type RunReport } from '../../app/contract/generation';
import type { ExecutionProviderName, ProviderReport } from '../../app/contract/providers';
import { FUSED_VARIANT, LoadedModel } from './model/loaded-model';
import { providerOrder } from './onnx/execution';
import { hasOptimizedGraph } from './onnx/optimized-graphs';
import { readImageSource, resizeRgb } from '../images/png-images';
import { maskToLatent } from './conditioning/masks';
import { a1111Parameters } from './output/parameters';
import { encodePng } from '../images/png';
import { previewOf } from './output/preview';
import type { AttentionObserver } from './conditioning/spatial-denoiser';
import { generate, resolveSettings, type StartImages } from './pipeline/generate';
import { ensureWritable } from './output/output-folder';
import { writeAtomic } from '../files/write-atomic';
import type { RunModels } from './pipeline/ensemble';
import { warmUp } from './pipeline/warm-up';
import { checkModelFits } from './pipeline/memory-estimate';
import { checkSharedLatentSpace } from './pipeline/ensemble';
import { readModelFolder, weightBytes, type ModelFolder } from './model/model-folder';

export interface EngineOptions {
  readonly platform: string;
  /** What the provider probe found, when one ran (the inference process has one; the CLI does not). */
  readonly probedProviders?: () => Promise<readonly ProviderReport[]>;
  readonly version: string;
  /** Whether to give the model's memory back after a run; by default when under a tenth of RAM is free. */
  readonly memoryTight?: () => boolean;
  /** Where patched UNet graphs are cached (the library's cache/ folder). */
  readonly cacheDir: string;
  /** Run UNets with their attention fused into MultiHeadAttention kernels (fused-attention.ts): less memory, the same numbers within 1e-5. On by default. */
  readonly fuseAttention?: boolean;
  /** Whether an ensemble's models, `bytes` of weights not yet loaded, can be held at once; by default when they fit in four fifths of the free memory. */
  readonly ensembleFits?: (bytes: number) => boolean;
}

const underATenthFree = () => freemem() < totalmem() / 10;
const fitsInFreeMemory = (bytes: number) => bytes < freemem() * 0.8;

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
 * The engine as the inference process and the CLI use it: keeps the models
 * of the last run loaded (switching releases the others' sessions), runs
 * requests and writes their results (PNG with A1111 parameters, JSON sidecar
 * with the full request) atomically into the output folder.
 */
export class Engine {
  private readonly loaded = new Map<string, Promise<LoadedModel>>();
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
    const models = await this.runModels(request, order, (optimising) => announce('loading', optimising));
    await announce('loading', !this.loaded.has(modelKey(request.model, request.provider, request.family)) && (await this.willOptimise(request.model, order)));
    const { model, loadMs } = await models.get(0);
    await announce('preparing');
    const resolved = resolveSettings(model, request);
    const start = await this.startImages(model, request, hooks.signal);
    const images: GenerationResult['images'] = [];
    const previewInterval = hooks.previewIntervalMs ?? PREVIEW_INTERVAL_MS;
    let lastPreview = -Infinity;
    const { settings, report } = await generate(models, request, start, { cacheDir: this.options.cacheDir }, {
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
        const fields = { ...request, prompt: soFar.prompt, ...resolved, seed, model: model.folder.name, denoisingStrength: request.init?.strength, experts: soFar.experts };
        const run: RunReport = { ...soFar, timings: { loadMs, ...soFar.timings } };
        const sidecar = { wordbrush: this.options.version, request: { ...request, seed }, family: model.family.id, settings: resolved, providers: await this.providersInUse(), run };
        // The full request travels in the image too, so a result can be regenerated from the PNG alone.
        const text = { parameters: a1111Parameters(fields), wordbrush: JSON.stringify(sidecar) };
        images.push(await writeResult(request.outputDir, seed, encodePng(image.width, image.height, image.data, text), sidecar, image));
      },
    });
    // What loading the model had to say (an optimised graph that could not be saved or opened) goes with the first run after it.
    const warnings = [...this.loadWarnings.splice(0), ...report.warnings];
    return { images, family: model.family.id, providers: await this.providersInUse(), settings, ...report, warnings, timings: { loadMs, ...report.timings } };
  }

  /**
   * The run's models: its own and its experts'. Their folders are read and
   * their latent spaces compared before anything loads. They are held
   * together when their weights fit in the memory free beside what is
   * loaded; otherwise each is loaded when its turn comes, releasing the
   * others first.
   */
  private async runModels(request: ParsedGenerationRequest, order: readonly ExecutionProviderName[], announce: (optimising: boolean) => unknown): Promise<RunModels> {
    const stages = [{ dir: request.model, family: request.family }, ...(request.experts ?? []).map((e) => ({ dir: e.model, family: e.family }))];
    const keys = stages.map((s) => modelKey(s.dir, request.provider, s.family));
    // A run without experts reads nothing here: its model loads (or is held) as always.
    const folders = stages.length > 1 ? await Promise.all(stages.map((s) => readModelFolder(s.dir))) : [];
    const space = (folder: ModelFolder) => ({ name: folder.name, latent: folder.latent, scaling: folder.vaeScalingFactor });
    for (const folder of folders.slice(1)) checkSharedLatentSpace(space(folders[0]!), space(folder));
    const toLoad = folders.filter((_, i) => !this.loaded.has(keys[i]!));
    const together = stages.length === 1 || (this.options.ensembleFits ?? fitsInFreeMemory)((await Promise.all(toLoad.map(weightBytes))).reduce((a, b) => a + b, 0));
    const spent = stages.map(() => 0);
    const experts = (request.experts ?? []).map((e, i) => ({ name: folders[i + 1]!.name, switchAt: e.switchAt }));
    return {
      experts,
      together,
      get: async (stage) => {
        const { dir, family } = stages[stage]!;
        const keep = together ? keys : [keys[stage]!];
        const held = this.loaded.has(keys[stage]!);
        // An expert loaded mid-run says so; the run's own model was announced before the run.
        if (stage > 0 && !held) await announce(await this.willOptimise(dir, order));
        const loadStart = performance.now();
        const model = await this.model(dir, order, request.provider, family, keep);
        if (!held) spent[stage]! += performance.now() - loadStart;
        return { model, loadMs: spent[stage]! };
      },
    };
  }

  /**
   * Loads the request's model (releasing others) and runs its parts once at the
   * request's size, so the run that follows starts at full speed; `signal`
   * stops it between calls. Answers how long it took.
   */
  async warm(raw: WarmRequest, signal?: AbortSignal): Promise<{ warmMs: number }> {
    const request = WarmRequest.parse(raw);
    signal?.throwIfAborted();
    const started = performance.now();
    const order = providerOrder(this.options.platform, (await this.options.probedProviders?.()) ?? null, request.provider);
    const key = modelKey(request.model, request.provider, request.family);
    const model = await this.model(request.model, order, request.provider, request.family, [key]);
    const { width, height, cfgScale } = resolveSettings(model, request);
    checkModelFits(model, { width, height }, cfgScale);
    await warmUp(model, { width, height }, model.family.guidance && cfgScale > 1, signal);
    return { warmMs: performance.now() - started };
  }

  /** The first model loaded, if any (diagnostics and tests). */
  async loadedModel(): Promise<LoadedModel | null> {
    const first = this.loaded.values().next();
    return first.done ? null : await first.value.catch(() => null);
  }

  /** Which provider each opened part of each loaded model runs on; an expert's parts are prefixed with its folder's name. */
  private async providersInUse(): Promise<Record<string, ExecutionProviderName>> {
    const models = (await Promise.all([...this.loaded.values()].map((m) => m.catch(() => null)))).filter((m): m is LoadedModel => m !== null);
    const used: Record<string, ExecutionProviderName> = {};
    for (const [i, model] of models.entries()) for (const [part, provider] of Object.entries(await model.providersInUse())) used[i === 0 ? part : `${model.folder.name}/${part}`] = provider;
    return used;
  }

  /** Releases the loaded models' sessions (when memory is tight, or on shutdown). */
  async release(): Promise<void> {
    await this.releaseAllBut([]);
  }

  private async releaseAllBut(keep: readonly string[]): Promise<void> {
    const gone = [...this.loaded].filter(([key]) => !keep.includes(key));
    for (const [key] of gone) this.loaded.delete(key);
    await Promise.all(gone.map(async ([, model]) => (await model.catch(() => null))?.release()));
  }

  /** Whether loading this model will optimise its UNet's graph (no graph saved for it here). */
  private async willOptimise(dir: string, order: readonly ExecutionProviderName[]): Promise<boolean> {
    const unet = join(dir, 'unet', 'model.onnx');
    return existsSync(unet) && !(await hasOptimizedGraph(unet, order, this.options.cacheDir, ['', FUSED_VARIANT]));
  }

  /** The model for `dir`, loaded unless it is held; models not in `keep` are released first. */
  private async model(dir: string, order: readonly ExecutionProviderName[], provider: ExecutionProviderName | undefined, family: ParsedGenerationRequest['family'], keep: readonly string[]): Promise<LoadedModel> {
    const key = modelKey(dir, provider, family);
    await this.releaseAllBut(keep);
    const held = await this.loaded.get(key)?.catch(() => null);
    if (held) return held;
    const model = LoadedModel.load(dir, order, family, { dir: this.options.cacheDir, warn: (message) => this.loadWarnings.push(message) }, this.options.fuseAttention ?? true);
    this.loaded.set(key, model);
    model.catch(() => this.loaded.get(key) === model && this.loaded.delete(key));
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
  // Each written whole or not at all; the sidecar first, so a result's PNG never stands without it.
  await writeAtomic(`${base}.json`, `${JSON.stringify(sidecar, null, 2)}\n`);
  await writeAtomic(`${base}.png`, png);
  return { path: `${base}.png`, sidecar: `${base}.json`, seed, width: image.width, height: image.height };
}

import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type * as ort from 'onnxruntime-node';
import type { FamilyId } from '../../../app/contract/generation';
import type { ExecutionProviderName } from '../../../app/contract/providers';
import { NotPatchableError, type PatchedLayer } from '../graph/attention-bias';
import { patchedUnetGraph } from '../graph/biased-unet';
import { createSession, type GraphCache } from '../onnx/execution';
import { fusedUnetGraph } from '../graph/fused-unet';
import type { GraphSource } from '../onnx/optimized-graphs';
import type { ElementType } from '../onnx/tensors';
import { ModelError } from './model-error';
import { NoiseSchedule } from '../sampling/noise-schedule';
import { loadTokenizer, type LoadedTokenizer } from '../text/load-tokenizer';
import { detectFamily, FAMILIES, type Family } from './family';
import { readModelFolder, weightBytes, type ModelFolder, type PartName } from './model-folder';

/** What a fused UNet's optimised graph is saved as, beside the model's own. */
export const FUSED_VARIANT = 'attention-fused';

/** An onnxruntime session with the provider it runs on and its I/O as the export declared it. */
export interface Part {
  readonly session: ort.InferenceSession;
  readonly provider: ExecutionProviderName;
  readonly inputs: ReadonlyMap<string, ort.InferenceSession.ValueMetadata>;
  readonly outputs: readonly string[];
}

/** The UNet with attention-bias inputs, or why this UNet could not be patched. */
export type BiasedUnet =
  | { readonly ok: true; readonly part: Part; readonly factors: readonly number[]; readonly layers: readonly PatchedLayer[]; readonly cacheProblem?: string }
  | { readonly ok: false; readonly reason: string };

/** A model ready to run: sessions open, tokenizers read, family known. */
export class LoadedModel {
  private vaeEncoderPart: Promise<Part> | null = null;
  private readonly biasedUnets = new Map<boolean, Promise<BiasedUnet>>();

  private constructor(
    readonly folder: ModelFolder,
    readonly family: Family,
    readonly noise: NoiseSchedule,
    readonly tokenizers: readonly LoadedTokenizer[],
    readonly textEncoders: readonly Part[],
    readonly unet: Part,
    readonly vaeDecoder: Part,
    private readonly providers: readonly ExecutionProviderName[],
    /** The bytes of its parts' files: what holding it costs at least. */
    readonly weightBytes: number,
    /** The UNet's graph with its attention fused, when it runs on it. */
    private readonly fusedUnet: Uint8Array | null,
  ) {}

  /** Whether the UNet runs with its attention fused into MultiHeadAttention kernels. */
  get attentionFused(): boolean {
    return this.fusedUnet !== null;
  }

  /**
   * `graphCache` keeps the parts' optimised graphs for the next load (optimized-graphs.ts) and, with
   * `fuseAttention`, the UNet's fused graph (fused-unet.ts), which the UNet then runs on.
   */
  static async load(dir: string, providers: readonly ExecutionProviderName[], familyOverride?: FamilyId, graphCache?: GraphCache, fuseAttention = false): Promise<LoadedModel> {
    const folder = await readModelFolder(dir);
    const tokenizers = await Promise.all(folder.tokenizers.map(loadTokenizer));
    const unetPath = folder.parts.unet!;
    const fused = fuseAttention && graphCache ? await fusedUnetGraph(await readFile(unetPath), dirname(unetPath), graphCache.dir) : null;
    if (fused?.model === null) graphCache?.warn(`${folder.name}'s attention could not be fused (${fused.reason}): its UNet runs as exported, which takes more memory`);
    else if (fused?.cacheProblem) graphCache?.warn(fused.cacheProblem);
    const open = (part: PartName) => openPart(folder.parts[part]!, providers, undefined, graphCache);
    // A fused graph a provider will not open (a damaged cache file, an operator it lacks) leaves the UNet as exported.
    const openUnet = async (): Promise<{ part: Part; fused: Uint8Array | null }> => {
      if (!fused?.model) return { part: await open('unet'), fused: null };
      try {
        return { part: await openPart({ path: unetPath, derived: { bytes: fused.model, variant: FUSED_VARIANT } }, providers, undefined, graphCache), fused: fused.model };
      } catch (error) {
        graphCache?.warn(`${folder.name}'s fused UNet did not open (${(error as Error).message.split('\n')[0]}): it runs as exported, which takes more memory`);
        return { part: await open('unet'), fused: null };
      }
    };
    // The parts open side by side: optimising their graphs spreads over the cores, and they are all held at once anyway.
    const [{ part: unet, fused: fusedGraph }, vaeDecoder, ...textEncoders] = await Promise.all([openUnet(), open('vae_decoder'), ...folder.textEncoders.map(open)]);
    const timeIdsWidth = inputShape(unet, 'time_ids')?.[1];
    const family =
      familyOverride ??
      detectFamily({
        folder,
        unetHasAddedConditions: unet.inputs.has('text_embeds'),
        timeIdsWidth: typeof timeIdsWidth === 'number' ? timeIdsWidth : null,
        padsWithExclamation: tokenizers[0]!.padId === tokenizers[0]!.tokenizer.idOf('!'),
      });
    return new LoadedModel(folder, FAMILIES[family], new NoiseSchedule(folder.scheduler.noise), tokenizers, textEncoders, unet, vaeDecoder, providers, await weightBytes(folder), fusedGraph);
  }

  get hasVaeEncoder(): boolean {
    return this.folder.parts.vae_encoder !== undefined;
  }

  /** Opened on first use: only img2img and inpainting need it. */
  vaeEncoder(): Promise<Part> {
    this.vaeEncoderPart ??= openPart(this.folder.parts.vae_encoder!, this.providers);
    return this.vaeEncoderPart;
  }

  /**
   * Opened on first use (spatial conditioning needs it); the patched graph is cached under `cacheDir`.
   * `exposeAttention` opens the variant that also outputs attention maps (for measuring, not for generating).
   */
  biasedUnet(cacheDir: string, exposeAttention = false): Promise<BiasedUnet> {
    let biased = this.biasedUnets.get(exposeAttention);
    if (!biased) {
      biased = (async (): Promise<BiasedUnet> => {
        try {
          // The fused graph keeps its attention probabilities inside its kernels: measuring them patches the graph as exported.
          const source = this.fusedUnet && !exposeAttention ? this.fusedUnet : await readFile(this.folder.parts.unet!);
          const graph = await patchedUnetGraph(source, cacheDir, { exposeAttention });
          const part = await openPart(graph.model, this.providers, dirname(this.folder.parts.unet!));
          return { ok: true, part, factors: graph.factors, layers: graph.layers, ...(graph.cacheProblem ? { cacheProblem: graph.cacheProblem } : {}) };
        } catch (error) {
          if (error instanceof NotPatchableError) return { ok: false, reason: error.message };
          throw error;
        }
      })();
      this.biasedUnets.set(exposeAttention, biased);
    }
    return biased;
  }

  get vaeScalingFactor(): number {
    return this.folder.vaeScalingFactor ?? this.family.vaeScalingFactor;
  }

  /** Which provider each opened part runs on. */
  async providersInUse(): Promise<Record<string, ExecutionProviderName>> {
    const used: Record<string, ExecutionProviderName> = { unet: this.unet.provider, vae_decoder: this.vaeDecoder.provider };
    this.textEncoders.forEach((part, i) => (used[this.folder.textEncoders[i]!] = part.provider));
    if (this.vaeEncoderPart) used.vae_encoder = (await this.vaeEncoderPart).provider;
    return used;
  }

  async release(): Promise<void> {
    const biased = await Promise.all([...this.biasedUnets.values()].map((b) => b.catch(() => null)));
    const parts = [...this.textEncoders, this.unet, this.vaeDecoder, ...(this.vaeEncoderPart ? [await this.vaeEncoderPart.catch(() => null)] : []), ...biased.flatMap((b) => (b?.ok ? [b.part] : []))];
    await Promise.all(parts.map((part) => part?.session.release()));
  }
}

async function openPart(model: string | Uint8Array | GraphSource, providers: readonly ExecutionProviderName[], externalDataDir?: string, graphCache?: GraphCache): Promise<Part> {
  const { session, provider } = await createSession(model, providers, externalDataDir, graphCache);
  return {
    session,
    provider,
    inputs: new Map(session.inputMetadata.map((m) => [m.name, m])),
    outputs: session.outputNames,
  };
}

/** The declared shape of an input (numbers are fixed dimensions, strings symbolic), or null when the part lacks it. */
export function inputShape(part: Part, name: string): readonly (number | string)[] | null {
  const meta = part.inputs.get(name);
  return meta?.isTensor ? meta.shape : null;
}

/** The element type an input wants, when it is one the engine can feed. */
export function inputType(part: Part, name: string): ElementType {
  const meta = part.inputs.get(name);
  const type = meta?.isTensor ? meta.type : undefined;
  if (type === 'float32' || type === 'float16' || type === 'int32' || type === 'int64') return type;
  throw new ModelError('unsupported-io', `Input "${name}" has element type ${type ?? 'unknown'}, which the engine cannot feed`);
}

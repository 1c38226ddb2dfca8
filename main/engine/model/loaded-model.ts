import type * as ort from 'onnxruntime-node';
import type { FamilyId } from '../../../app/contract/generation';
import type { ExecutionProviderName } from '../../../app/contract/providers';
import { NotPatchableError, type PatchedLayer } from '../graph/attention-bias';
import { patchedUnetGraph } from '../graph/biased-unet';
import { createSession, type GraphCache } from '../onnx/execution';
import type { ElementType } from '../onnx/tensors';
import { ModelError } from './model-error';
import { NoiseSchedule } from '../sampling/noise-schedule';
import { loadTokenizer, type LoadedTokenizer } from '../text/load-tokenizer';
import { detectFamily, FAMILIES, type Family } from './family';
import { readModelFolder, weightBytes, type ModelFolder, type PartName } from './model-folder';

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
  ) {}

  /** `graphCache` keeps the parts' optimised graphs for the next load (optimized-graphs.ts). */
  static async load(dir: string, providers: readonly ExecutionProviderName[], familyOverride?: FamilyId, graphCache?: GraphCache): Promise<LoadedModel> {
    const folder = await readModelFolder(dir);
    const tokenizers = await Promise.all(folder.tokenizers.map(loadTokenizer));
    const open = (part: PartName) => openPart(folder.parts[part]!, providers, undefined, graphCache);
    // The parts open side by side: optimising their graphs spreads over the cores, and they are all held at once anyway.
    const [unet, vaeDecoder, ...textEncoders] = await Promise.all([open('unet'), open('vae_decoder'), ...folder.textEncoders.map(open)]);
    const timeIdsWidth = inputShape(unet, 'time_ids')?.[1];
    const family =
      familyOverride ??
      detectFamily({
        folder,
        unetHasAddedConditions: unet.inputs.has('text_embeds'),
        timeIdsWidth: typeof timeIdsWidth === 'number' ? timeIdsWidth : null,
        padsWithExclamation: tokenizers[0]!.padId === tokenizers[0]!.tokenizer.idOf('!'),
      });
    return new LoadedModel(folder, FAMILIES[family], new NoiseSchedule(folder.scheduler.noise), tokenizers, textEncoders, unet, vaeDecoder, providers, await weightBytes(folder));
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
          const graph = await patchedUnetGraph(this.folder.parts.unet!, cacheDir, { exposeAttention });
          const part = await openPart(graph.model, this.providers, graph.externalDataDir);
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

async function openPart(model: string | Uint8Array, providers: readonly ExecutionProviderName[], externalDataDir?: string, graphCache?: GraphCache): Promise<Part> {
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

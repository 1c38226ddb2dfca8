import { readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { FamilyId } from '../../app/contract/generation';
import { detectFamily, FAMILIES } from '../engine/model/family';
import { ModelError } from '../engine/model/model-error';
import { readModelFolder, type ModelFolder, type PartName } from '../engine/model/model-folder';
import { loadTokenizer } from '../engine/text/load-tokenizer';
import { NotOnnxError, readOnnxSignature, type OnnxSignature, type TensorSignature } from './onnx-signature';
import { parseBoundedJson } from '../../app/domain/bounded-json';

export interface Inspection {
  readonly detectedFamily: FamilyId | null;
  /** Why the folder cannot run, naming the file; null when it can. */
  readonly problem: string | null;
  /** The size the UNet was trained at, in pixels. */
  readonly nativeSize: { readonly width: number; readonly height: number } | null;
}

/**
 * Checks a model folder as far as it can be checked without loading it: the
 * parts and their JSON, each ONNX file's structure and external weights, that
 * the parts' inputs and outputs fit one another, the tokenizers and the
 * scheduler config. Every problem is named with its file.
 */
export async function inspectModel(dir: string): Promise<Inspection> {
  try {
    const folder = await readModelFolder(dir);
    const signatures = await readSignatures(folder);
    checkWiring(folder, signatures, await encoderWidthsFromConfig(folder));
    const tokenizers = await Promise.all(folder.tokenizers.map(loadTokenizer));
    const first = tokenizers[0]!;
    const timeIdsWidth = find(signatures.unet!.inputs, 'time_ids')?.dims[1];
    const detectedFamily = detectFamily({
      folder,
      unetHasAddedConditions: has(signatures.unet!, 'text_embeds'),
      timeIdsWidth: typeof timeIdsWidth === 'number' ? timeIdsWidth : null,
      padsWithExclamation: first.padId === first.tokenizer.idOf('!'),
    });
    const side = folder.sampleSize ? folder.sampleSize * folder.latent.factor : FAMILIES[detectedFamily].defaults.size;
    return { detectedFamily, problem: null, nativeSize: { width: side, height: side } };
  } catch (error) {
    if (error instanceof ModelError) return { detectedFamily: null, problem: error.message, nativeSize: null };
    if (isFileSystemError(error)) return { detectedFamily: null, problem: `${dir} cannot be read: ${error.message}`, nativeSize: null };
    throw error;
  }
}

function isFileSystemError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string';
}

/** The encoders' widths as their config.json gives them (optimum exports keep one per part); used where the graph leaves the width symbolic. */
async function encoderWidthsFromConfig(folder: ModelFolder): Promise<Partial<Record<PartName, number>>> {
  const widths: Partial<Record<PartName, number>> = {};
  for (const part of ['text_encoder', 'text_encoder_2'] as const) {
    const config = await readFile(join(folder.dir, part, 'config.json'), 'utf8').then((text) => parseBoundedJson(text) as { hidden_size?: unknown }, () => null);
    if (typeof config?.hidden_size === 'number') widths[part] = config.hidden_size;
  }
  return widths;
}

type Signatures = Partial<Record<PartName, OnnxSignature>>;

async function readSignatures(folder: ModelFolder): Promise<Signatures> {
  const signatures: Signatures = {};
  for (const [part, file] of Object.entries(folder.parts) as [PartName, string][]) {
    try {
      signatures[part] = await readOnnxSignature(file);
    } catch (error) {
      if (error instanceof NotOnnxError) throw new ModelError('unreadable-part', error.message);
      throw error;
    }
    for (const [weights, needed] of signatures[part].externalData) {
      const size = await stat(weights).then((s) => s.size, () => null);
      const name = relative(folder.dir, weights);
      if (size === null) throw new ModelError('missing-part', `${folder.dir}/${name} is missing: ${part}/model.onnx keeps its weights there`);
      if (size < needed) throw new ModelError('unreadable-part', `${folder.dir}/${name} is truncated: ${size} bytes where ${part}/model.onnx needs ${needed}`);
    }
  }
  return signatures;
}

const has = (signature: OnnxSignature, name: string) => signature.inputs.some((i) => i.name === name);
const find = (list: readonly TensorSignature[], name: string) => list.find((t) => t.name === name);
const lastDim = (tensor: TensorSignature | undefined) => tensor?.dims.at(-1);

/** The parts must agree: the UNet reads what the encoders write, the decoder what the UNet writes. */
function checkWiring(folder: ModelFolder, s: Signatures, configWidths: Partial<Record<PartName, number>>): void {
  const need = (part: PartName, side: 'inputs' | 'outputs', name: string) => {
    const tensor = find(s[part]![side], name);
    if (!tensor) throw new ModelError('unsupported-io', `${folder.dir}/${part}/model.onnx has no ${side === 'inputs' ? 'input' : 'output'} "${name}" (it has ${s[part]![side].map((t) => t.name).join(', ')})`);
    return tensor;
  };
  for (const encoder of folder.textEncoders) need(encoder, 'inputs', 'input_ids');
  need('unet', 'inputs', 'sample');
  need('unet', 'inputs', 'timestep');
  const context = need('unet', 'inputs', 'encoder_hidden_states');
  const latent = need('vae_decoder', 'inputs', 'latent_sample');

  const encoders = (['text_encoder', 'text_encoder_2'] as const).filter((p) => s[p]);
  const widths = encoders.map((p) => {
    const fromGraph = lastDim(find(s[p]!.outputs, 'last_hidden_state') ?? s[p]!.outputs[0]);
    return typeof fromGraph === 'number' ? fromGraph : configWidths[p];
  });
  const contextWidth = lastDim(context);
  if (typeof contextWidth === 'number' && widths.every((w) => typeof w === 'number')) {
    const total = (widths as number[]).reduce((a, b) => a + b, 0);
    if (total !== contextWidth) throw new ModelError('unsupported-io', `${folder.dir}: unet/model.onnx reads text ${contextWidth} wide but ${encoders.join(' + ')} write ${widths.join(' + ')}; the parts come from different models`);
  }
  if (!s.text_encoder_2 && has(s.unet!, 'text_embeds')) throw new ModelError('unsupported-io', `${folder.dir}: unet/model.onnx takes SDXL's text_embeds but there is no text_encoder_2; the parts come from different models`);
  if (s.text_encoder_2 && !has(s.unet!, 'text_embeds')) throw new ModelError('unsupported-io', `${folder.dir} has text_encoder_2 but unet/model.onnx takes no text_embeds: the UNet is not an SDXL one`);
  const unetOut = s.unet!.outputs[0]?.dims[1];
  const latentChannels = latent.dims[1];
  if (typeof unetOut === 'number' && typeof latentChannels === 'number' && unetOut !== latentChannels) {
    throw new ModelError('unsupported-io', `${folder.dir}: unet/model.onnx writes ${unetOut} latent channels but vae_decoder/model.onnx reads ${latentChannels}`);
  }
}

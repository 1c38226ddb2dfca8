import * as ort from 'onnxruntime-node';
import { onnx } from '../onnx/generated/onnx';
import { makeTensor, readFloats, type ElementType } from '../onnx/tensors';
import { traceDependencies } from './attention-bias';

/**
 * Rewrites each attention block of a UNet (self and cross) into onnxruntime's
 * contrib com.microsoft.MultiHeadAttention, as its transformers optimizer
 * does: the block's projections stay, and what lies between them and the
 * output projection (heads split, Q K^T, scale, softmax, times V, heads
 * merged) becomes one kernel that never holds the [batch·heads, q, k] score
 * tensor in memory. The attention-bias patch (attention-bias.ts) finds the
 * fused nodes and feeds its bias to their `attention_bias` input. Residual
 * additions followed by a LayerNormalization become SkipLayerNormalization.
 *
 * A block is found by structure: a Softmax over the product of two tensors
 * that lead back, through reshapes, transposes and scalings only, to two
 * projections (queries, keys), whose output is multiplied by a third
 * (values) and led, through reshapes and transposes only, into a matrix
 * product (the output projection). A block with anything else on that path
 * (a mask added to the scores) is left as it is. The head count is read from
 * one run of the graph at a small size, and the fused graph is run against
 * the original on random inputs: it is answered only when its output is the
 * original's within 1e-5 relative RMS.
 */

export class NotFusableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFusableError';
  }
}

/** Relative RMS the fused graph's output may differ from the original's by: 1e-5 in single precision; a half-precision graph rounds every product to 1e-3 either way. */
export const FUSED_TOLERANCE = { float32: 1e-5, float16: 1e-3 } as const;
const WALK = new Set(['Transpose', 'Reshape', 'Mul', 'Div']);
const MERGE = new Set(['Transpose', 'Reshape']);

interface Block {
  readonly queries: string;
  readonly keys: string;
  readonly values: string;
  /** The queries as the score product takes them, heads split: their last dimension is the head size. */
  readonly headQueries: string;
  /** The heads merged again, [batch, q, hidden]: what the output projection reads and the fused node writes. */
  readonly merged: string;
}

export interface FusedGraph {
  readonly model: Uint8Array;
  readonly blocks: number;
  /** Residual additions fused with the LayerNormalization after them. */
  readonly skipNorms: number;
  /** The relative RMS between the fused and the original output on the check's random inputs. */
  readonly difference: number;
}

/** The fused graph of `source` (its external weights in `externalDataDir`), checked against it; NotFusableError when no block can be fused or the check fails. */
export async function fuseAttention(source: Uint8Array, externalDataDir: string): Promise<FusedGraph> {
  const model = onnx.ModelProto.decode(source);
  const graph = model.graph;
  if (!graph?.node) throw new NotFusableError('The model has no graph');
  const blocks = findBlocks(graph);
  if (blocks.length === 0) throw new NotFusableError('No attention block of the expected shape');

  const session = (bytes: Uint8Array) => ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'basic', executionProviders: ['cpu'], extra: { session: { model_external_initializers_file_folder_path: externalDataDir } } });
  const feeds = probeFeeds(graph);
  // One run with the blocks' projections and head-split queries as outputs: their last dimensions give the heads.
  const probe = onnx.ModelProto.decode(source);
  // Typeless outputs: onnxruntime infers them (a half-precision graph's inner tensors may differ from its inputs).
  for (const block of blocks) for (const name of [block.queries, block.headQueries]) probe.graph!.output!.push({ name });
  const probed = await session(onnx.ModelProto.encode(probe).finish());
  const dims = await probed.run(feeds).finally(() => void probed.release());
  const heads = blocks.map((block) => {
    const hidden = dims[block.queries]!.dims.at(-1)!;
    const headSize = dims[block.headQueries]!.dims.at(-1)!;
    if (hidden % headSize !== 0) throw new NotFusableError(`An attention block's ${hidden} channels do not split into heads of ${headSize}`);
    return hidden / headSize;
  });

  rewrite(graph, blocks, heads);
  const skipNorms = fuseSkipLayerNorms(graph);
  if (!(model.opsetImport ?? []).some((o) => o.domain === 'com.microsoft')) model.opsetImport!.push({ domain: 'com.microsoft', version: 1 });
  const fused = onnx.ModelProto.encode(model).finish();

  // One graph at a time: a large model's weights are held once, not twice.
  const outputOf = async (bytes: Uint8Array) => {
    const opened = await session(bytes);
    try {
      const out = await opened.run(feeds);
      return { values: readFloats(out[opened.outputNames[0]!]!), type: out[opened.outputNames[0]!]!.type };
    } finally {
      await opened.release();
    }
  };
  const reference = await outputOf(source);
  const difference = relativeRms(reference.values, (await outputOf(fused)).values);
  const tolerance = reference.type === 'float16' ? FUSED_TOLERANCE.float16 : FUSED_TOLERANCE.float32;
  if (!(difference <= tolerance)) throw new NotFusableError(`The fused graph's output differs from the original's by ${difference.toExponential(2)} relative RMS (at most ${tolerance} allowed)`);
  return { model: fused, blocks: blocks.length, skipNorms, difference };
}

function findBlocks(graph: onnx.IGraphProto): Block[] {
  const nodes = graph.node!;
  const producers = new Map<string, onnx.INodeProto>();
  const consumers = new Map<string, onnx.INodeProto[]>();
  for (const node of nodes) {
    for (const out of node.output ?? []) producers.set(out, node);
    for (const input of node.input ?? []) consumers.set(input, [...(consumers.get(input) ?? []), node]);
  }
  const dependencies = traceDependencies(nodes);
  const dataInput = (node: onnx.INodeProto) => (node.opType === 'Mul' || node.opType === 'Div' ? (node.input ?? []).find((name) => { const d = dependencies.get(name); return d?.sample || d?.context; }) : node.input?.[0]);
  /** Back from a score or value operand to its projection, through reshapes, transposes and scalings. */
  const projection = (tensor: string): string | null => {
    let current = tensor;
    for (let hop = 0; hop < 12; hop++) {
      const node = producers.get(current);
      if (!node || !WALK.has(node.opType ?? '')) return node ? current : null;
      const next = dataInput(node);
      if (!next) return null;
      current = next;
    }
    return null;
  };
  const blocks: Block[] = [];
  for (const softmax of nodes) {
    if (softmax.opType !== 'Softmax') continue;
    // The scores: scaled products only, no mask added.
    let scores = producers.get(softmax.input![0]!);
    for (let hop = 0; scores && (scores.opType === 'Mul' || scores.opType === 'Div') && hop < 4; hop++) scores = producers.get(dataInput(scores) ?? '');
    if (!scores || scores.opType !== 'MatMul') continue;
    const [headQueries, headKeys] = scores.input as [string, string];
    const weighted = consumers.get(softmax.output![0]!) ?? [];
    if (weighted.length !== 1 || weighted[0]!.opType !== 'MatMul' || weighted[0]!.input![0] !== softmax.output![0]) continue;
    const [queries, keys, values] = [projection(headQueries), projection(headKeys), projection(weighted[0]!.input![1]!)];
    if (!queries || !keys || !values) continue;
    let merged = weighted[0]!.output![0]!;
    for (let hop = 0; hop < 6; hop++) {
      const next = consumers.get(merged) ?? [];
      if (next.length !== 1 || !MERGE.has(next[0]!.opType ?? '') || next[0]!.input![0] !== merged) break;
      merged = next[0]!.output![0]!;
    }
    const reader = consumers.get(merged) ?? [];
    if (reader.length === 0 || !reader.every((n) => n.opType === 'MatMul')) continue;
    blocks.push({ queries, keys, values, headQueries, merged });
  }
  return blocks;
}

/** Each block's merged output now comes from one MultiHeadAttention node; what only fed the old path is removed. */
function rewrite(graph: onnx.IGraphProto, blocks: readonly Block[], heads: readonly number[]): void {
  const replaced = new Map(blocks.map((block, i) => [block.merged, { block, heads: heads[i]! }]));
  const nodes = graph.node!.map((node) => {
    const fused = replaced.get(node.output?.[0] ?? '');
    if (!fused) return node;
    const { block, heads: numHeads } = fused;
    return { opType: 'MultiHeadAttention', domain: 'com.microsoft', name: `wb_mha_${block.merged}`, input: [block.queries, block.keys, block.values], output: [block.merged], attribute: [{ name: 'num_heads', type: onnx.AttributeProto.AttributeType.INT, i: numHeads }] };
  });
  // Keep what the graph's outputs still need, walking back from them.
  const needed = new Set((graph.output ?? []).map((o) => o.name!));
  const kept: onnx.INodeProto[] = [];
  for (const node of [...nodes].reverse()) {
    if (!(node.output ?? []).some((out) => needed.has(out))) continue;
    kept.push(node);
    for (const input of node.input ?? []) if (input) needed.add(input);
  }
  graph.node = kept.reverse();
}

/**
 * A residual addition of two activations followed by a LayerNormalization over
 * the last axis becomes one com.microsoft.SkipLayerNormalization, which also
 * hands on the sum (the next residual reads it), as onnxruntime's transformers
 * optimizer fuses them. An addition of a constant (a bias) is left alone.
 */
function fuseSkipLayerNorms(graph: onnx.IGraphProto): number {
  const producers = new Map<string, onnx.INodeProto>();
  for (const node of graph.node!) for (const out of node.output ?? []) producers.set(out, node);
  // Constants: initializers, Constant nodes, and Identity copies of them (torch exports shared weights that way).
  const constant = new Set((graph.initializer ?? []).map((i) => i.name));
  for (const node of graph.node!) if (node.opType === 'Constant' || (node.opType === 'Identity' && constant.has(node.input![0]!))) constant.add(node.output![0]!);
  const fusedAdds = new Set<onnx.INodeProto>();
  let count = 0;
  graph.node = graph.node!.map((norm) => {
    if (norm.opType !== 'LayerNormalization' || (norm.domain ?? '') !== '' || (norm.output ?? []).length !== 1) return norm;
    // An int64 attribute decodes as a Long: its text is its value either way.
    const axis = Number(String((norm.attribute ?? []).find((a) => a.name === 'axis')?.i ?? -1));
    const [x, gamma, beta] = norm.input as [string, string, string | undefined];
    const add = producers.get(x);
    if (axis !== -1 || !add || add.opType !== 'Add' || !constant.has(gamma) || (beta && !constant.has(beta))) return norm;
    const [a, b] = add.input as [string, string];
    if (constant.has(a) || constant.has(b)) return norm;
    fusedAdds.add(add);
    count++;
    const epsilon = (norm.attribute ?? []).find((at) => at.name === 'epsilon')?.f ?? 1e-5;
    return {
      opType: 'SkipLayerNormalization',
      domain: 'com.microsoft',
      name: `wb_skip_${norm.output![0]}`,
      input: [a, b, gamma, beta ?? ''],
      // Outputs: the normalised sum, mean and inverse deviation (unused), and the sum itself, which replaces the Add's.
      output: [norm.output![0]!, '', '', add.output![0]!],
      attribute: [{ name: 'epsilon', type: onnx.AttributeProto.AttributeType.FLOAT, f: epsilon }],
    };
  });
  // The sum now comes from the fused node, which stands where the normalisation stood: the Add goes, and its readers that came before the normalisation move behind it.
  const nodes = graph.node.filter((n) => !fusedAdds.has(n));
  graph.node = topologicalOrder(nodes, new Set([...(graph.input ?? []).map((i) => i.name!), ...(graph.initializer ?? []).map((i) => i.name!)]));
  return count;
}

/** The nodes in an order where every input is made before it is read (a stable Kahn's walk). */
function topologicalOrder(nodes: readonly onnx.INodeProto[], available: Set<string>): onnx.INodeProto[] {
  const ordered: onnx.INodeProto[] = [];
  let waiting = [...nodes];
  while (waiting.length > 0) {
    const still: onnx.INodeProto[] = [];
    for (const node of waiting) {
      if ((node.input ?? []).every((input) => !input || available.has(input))) {
        ordered.push(node);
        for (const out of node.output ?? []) if (out) available.add(out);
      } else still.push(node);
    }
    if (still.length === waiting.length) throw new NotFusableError('The fused graph has a cycle');
    waiting = still;
  }
  return ordered;
}

/** Inputs for a small run: the declared shapes, symbolic sizes small (batch 1, an 8x8 latent, 77 tokens), random values from a fixed seed. */
function probeFeeds(graph: onnx.IGraphProto): Record<string, ort.Tensor> {
  const initializers = new Set((graph.initializer ?? []).map((i) => i.name));
  let state = 12345;
  const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  const feeds: Record<string, ort.Tensor> = {};
  for (const input of graph.input ?? []) {
    if (initializers.has(input.name)) continue;
    const tensorType = input.type?.tensorType;
    const declared = tensorType?.shape?.dim ?? [];
    const shape = declared.map((d, axis) => (d.dimValue !== undefined && d.dimValue !== null && Number(d.dimValue) > 0 ? Number(d.dimValue) : axis === 0 ? 1 : input.name === 'encoder_hidden_states' ? 77 : 8));
    const type = elementType(tensorType?.elemType);
    const count = shape.reduce((a, b) => a * b, 1);
    const values = input.name === 'timestep' ? new Array<number>(count).fill(500) : input.name === 'time_ids' ? new Array<number>(count).fill(64) : Array.from({ length: count }, random);
    feeds[input.name!] = makeTensor(type, values, shape);
  }
  return feeds;
}

function elementType(type: number | null | undefined): ElementType {
  const T = onnx.TensorProto.DataType;
  if (type === T.FLOAT16) return 'float16';
  if (type === T.INT64) return 'int64';
  if (type === T.INT32) return 'int32';
  return 'float32';
}

export function relativeRms(reference: Float32Array, other: Float32Array): number {
  let error = 0;
  let scale = 0;
  for (let k = 0; k < reference.length; k++) {
    error += (reference[k]! - other[k]!) ** 2;
    scale += reference[k]! ** 2;
  }
  return Math.sqrt(error / Math.max(scale, Number.MIN_VALUE));
}

import { onnx } from 'onnx-proto';

/**
 * Rewrites a UNet's ONNX graph so that every cross-attention layer adds a
 * bias to its attention logits before the softmax (eDiff-I's paint-with-words
 * and hard regional masks share this one mechanism):
 *
 *     logits' = S + pww_scale * max(S) * A_f + M_f
 *
 * S is whatever reaches the Softmax (the scaled Q K^T, whatever the export's
 * pattern: MatMul then Mul or Div, Q and K pre-scaled by sqrt, Einsum, with or
 * without a mask Add); A_f and M_f are new inputs per resolution factor f
 * (latent size / layer size), shaped [batch, h/f * w/f, tokens]; pww_scale is
 * one scalar per step. max(S) is one maximum over the whole score tensor.
 *
 * Cross-attention is found by structure, not names: the score's two operands
 * are one that depends on `sample` (queries) and one that depends only on
 * `encoder_hidden_states` (keys). The layer's resolution is traced from
 * `sample` through strided convolutions, pools and resizes.
 */

export const PWW_SCALE_INPUT = 'wb_pww_scale';
export const pwwInput = (factor: number) => `wb_pww_f${factor}`;
export const maskInput = (factor: number) => `wb_mask_f${factor}`;

export interface PatchedLayer {
  readonly softmax: string;
  readonly factor: number;
  /** The graph output carrying this layer's attention probabilities, when the patch exposes them. */
  readonly attentionOutput?: string;
}

export interface PatchOptions {
  /** Also output every cross-attention layer's probabilities (for measuring where phrases attend). */
  readonly exposeAttention?: boolean;
}

export interface AttentionPatch {
  readonly model: Uint8Array;
  readonly layers: readonly PatchedLayer[];
  readonly factors: readonly number[];
}

export class NotPatchableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotPatchableError';
  }
}

const T = onnx.TensorProto.DataType;
const PASS_THROUGH = new Set(['Mul', 'Div', 'Add', 'Sub', 'Cast', 'Where', 'Identity']);

interface Dependencies {
  sample: boolean;
  context: boolean;
}

export function patchCrossAttention(source: Uint8Array, options: PatchOptions = {}): AttentionPatch {
  const model = onnx.ModelProto.decode(source);
  const graph = model.graph;
  if (!graph) throw new NotPatchableError('The model has no graph');
  const nodes = graph.node ?? [];
  const inputNames = new Set((graph.input ?? []).map((i) => i.name));
  if (!inputNames.has('sample') || !inputNames.has('encoder_hidden_states')) {
    throw new NotPatchableError('The graph has no `sample` and `encoder_hidden_states` inputs');
  }
  if (nodes.some((n) => n.opType === 'MultiHeadAttention' && n.domain === 'com.microsoft')) {
    throw new NotPatchableError('The graph uses onnxruntime\'s fused MultiHeadAttention, whose logits this patcher cannot reach yet');
  }

  const producers = new Map<string, onnx.INodeProto>();
  for (const node of nodes) for (const out of node.output ?? []) producers.set(out, node);
  const constants = constantValues(graph);
  const { dependencies, scales } = traceGraph(nodes, constants);

  const layers: { node: onnx.INodeProto; factor: number }[] = [];
  for (const softmax of nodes.filter((n) => n.opType === 'Softmax')) {
    const scores = scoreProducer(softmax.input![0]!, producers, dependencies);
    if (!scores) continue;
    const operands = (scores.input ?? []).map((name) => dependencies.get(name));
    const queries = operands.findIndex((d) => d?.sample);
    const keys = operands.findIndex((d) => d?.context && !d.sample);
    if (queries < 0 || keys < 0) continue;
    const factor = scales.get(scores.input![queries]!);
    if (factor === undefined || !Number.isInteger(factor) || factor < 1) {
      throw new NotPatchableError(`Cannot tell the resolution of the cross-attention before ${softmax.name || softmax.output![0]}`);
    }
    layers.push({ node: softmax, factor });
  }
  if (layers.length === 0) throw new NotPatchableError('No cross-attention layer found (no softmax over scores of image queries and text keys)');

  const opset = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx')?.version;
  const version = typeof opset === 'number' ? opset : Number(opset ?? 13);
  const floatType = inputElementType(graph, 'sample');
  const builder = new NodeBuilder(version, floatType);
  const factors = [...new Set(layers.map((l) => l.factor))].sort((a, b) => a - b);

  graph.input!.push(valueInfo(PWW_SCALE_INPUT, [1]));
  for (const f of factors) {
    graph.input!.push(valueInfo(pwwInput(f), ['batch', `wb_positions_f${f}`, 'tokens']));
    graph.input!.push(valueInfo(maskInput(f), ['batch', `wb_positions_f${f}`, 'tokens']));
  }

  const inserted = new Map<onnx.INodeProto, onnx.INodeProto[]>();
  layers.forEach(({ node, factor }, i) => {
    const logits = node.input![0]!;
    const [added, biased] = builder.biasNodes(`wb_${i}`, logits, pwwInput(factor), maskInput(factor));
    node.input![0] = biased;
    inserted.set(node, added);
  });
  // Keep the graph topologically sorted: each layer's new nodes go right before its softmax.
  graph.node = nodes.flatMap((n) => [...(inserted.get(n) ?? []), n]);
  const patched = layers.map((l, i) => {
    const layer: PatchedLayer = { softmax: l.node.name || l.node.output![0]!, factor: l.factor };
    if (!options.exposeAttention) return layer;
    const name = `wb_attention_${i}`;
    graph.node!.push({ opType: 'Identity', input: [l.node.output![0]!], output: [name], name });
    graph.output!.push({ name, type: { tensorType: { elemType: floatType } } });
    return { ...layer, attentionOutput: name };
  });
  return { model: onnx.ModelProto.encode(model).finish(), layers: patched, factors };
}

/** Follows the data path back from the softmax input, through elementwise scaling and masking, to the MatMul/Einsum that made the scores. */
function scoreProducer(tensor: string, producers: Map<string, onnx.INodeProto>, deps: Map<string, Dependencies>): onnx.INodeProto | null {
  let current = tensor;
  for (let hop = 0; hop < 8; hop++) {
    const node = producers.get(current);
    if (!node) return null;
    if (node.opType === 'MatMul' || node.opType === 'Einsum') return node;
    if (!PASS_THROUGH.has(node.opType ?? '')) return null;
    const next = (node.input ?? []).find((name) => deps.get(name)?.sample) ?? (node.input ?? []).find((name) => deps.get(name)?.context);
    if (!next) return null;
    current = next;
  }
  return null;
}

/** Which graph inputs each tensor depends on, and the spatial downsampling factor of each tensor derived from `sample`. */
function traceGraph(nodes: readonly onnx.INodeProto[], constants: Map<string, number[]>) {
  const dependencies = new Map<string, Dependencies>([
    ['sample', { sample: true, context: false }],
    ['encoder_hidden_states', { sample: false, context: true }],
  ]);
  const scales = new Map<string, number>([['sample', 1]]);
  for (const node of nodes) {
    // A tensor's shape is metadata, not data: keys reshaped with the query's batch size still depend on the text alone.
    if (node.opType === 'Shape' || node.opType === 'Size') continue;
    const inputs = node.input ?? [];
    const merged: Dependencies = { sample: false, context: false };
    for (const name of inputs) {
      const d = dependencies.get(name);
      if (d) {
        merged.sample ||= d.sample;
        merged.context ||= d.context;
      }
    }
    const inputScale = inputs.map((name) => scales.get(name)).find((s) => s !== undefined);
    const scale = inputScale === undefined ? undefined : scaleAfter(node, inputScale, constants);
    for (const out of node.output ?? []) {
      if (merged.sample || merged.context) dependencies.set(out, { ...merged });
      if (scale !== undefined) scales.set(out, scale);
    }
  }
  return { dependencies, scales };
}

function scaleAfter(node: onnx.INodeProto, scale: number, constants: Map<string, number[]>): number | undefined {
  const attr = (name: string) => (node.attribute ?? []).find((a) => a.name === name);
  switch (node.opType) {
    case 'Conv':
    case 'MaxPool':
    case 'AveragePool': {
      const strides = attr('strides')?.ints?.map(Number) ?? [1];
      return scale * (strides[0] ?? 1);
    }
    case 'Resize':
    case 'Upsample': {
      const scalesInput = node.opType === 'Resize' ? node.input?.[2] : node.input?.[1];
      const values = scalesInput ? constants.get(scalesInput) : undefined;
      return values && values.length >= 3 ? scale / values[values.length - 1]! : undefined;
    }
    default:
      return scale;
  }
}

/** Values of small constant tensors (initializers and Constant nodes), for Resize scales. */
function constantValues(graph: onnx.IGraphProto): Map<string, number[]> {
  const values = new Map<string, number[]>();
  const read = (t: onnx.ITensorProto): number[] | null => {
    if (t.floatData && t.floatData.length > 0) return t.floatData.map(Number);
    if (t.rawData && t.rawData.length > 0 && t.rawData.length <= 64 && t.dataType === T.FLOAT) {
      const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
      return Array.from({ length: t.rawData.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
    }
    return null;
  };
  for (const init of graph.initializer ?? []) {
    const v = read(init);
    if (v && init.name) values.set(init.name, v);
  }
  for (const node of graph.node ?? []) {
    if (node.opType !== 'Constant') continue;
    const tensor = (node.attribute ?? []).find((a) => a.name === 'value')?.t;
    const v = tensor ? read(tensor) : null;
    if (v && node.output?.[0]) values.set(node.output[0], v);
  }
  return values;
}

function inputElementType(graph: onnx.IGraphProto, name: string): number {
  return graph.input?.find((i) => i.name === name)?.type?.tensorType?.elemType ?? T.FLOAT;
}

function valueInfo(name: string, dims: readonly (number | string)[]): onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: T.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

/** Emits the bias subgraph with the operator forms of the model's opset. */
class NodeBuilder {
  constructor(
    private readonly opset: number,
    private readonly floatType: number,
  ) {}

  biasNodes(prefix: string, logits: string, pww: string, mask: string): [onnx.INodeProto[], string] {
    const n = (opType: string, inputs: string[], output: string, attribute: onnx.IAttributeProto[] = []): onnx.INodeProto => ({ opType, input: inputs, output: [output], name: `${prefix}_${output}`, attribute });
    const name = (s: string) => `${prefix}_${s}`;
    const nodes: onnx.INodeProto[] = [];
    const like = (tensor: string, out: string) => {
      // CastLike (opset 15) follows the logits' type; older opsets cast to the type of the model's sample input.
      nodes.push(this.opset >= 15 ? n('CastLike', [tensor, logits], out) : n('Cast', [tensor], out, [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: this.floatType }]));
      return out;
    };
    const int64 = (values: number[], out: string) => {
      nodes.push(n('Constant', [], out, [{ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: { dataType: T.INT64, dims: [values.length], int64Data: values } }]));
      return out;
    };

    nodes.push(n('ReduceMax', [logits], name('max'), [{ name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 }]));
    const scale = like(PWW_SCALE_INPUT, name('scale'));
    nodes.push(n('Mul', [scale, name('max')], name('gain')));
    const a = like(pww, name('pww'));
    const m = like(mask, name('mask'));
    nodes.push(n('Mul', [a, name('gain')], name('pww_scaled')));
    nodes.push(n('Add', [name('pww_scaled'), m], name('bias')));
    // Logits may be [batch, heads, q, k] or [batch*heads, q, k]: view them as [batch, -1, q, k] to add the [batch, q, k] bias.
    nodes.push(n('Shape', [logits], name('logits_shape')));
    nodes.push(n('Shape', [a], name('bias_shape')));
    const starts = int64([0], name('c0'));
    const one = int64([1], name('c1'));
    const minusTwo = int64([-2], name('cm2'));
    const end = int64([2 ** 31 - 1], name('cend'));
    nodes.push(n('Slice', [name('bias_shape'), starts, one], name('batch')));
    nodes.push(n('Slice', [name('logits_shape'), minusTwo, end], name('qk')));
    const minusOne = int64([-1], name('cm1'));
    nodes.push(n('Concat', [name('batch'), minusOne, name('qk')], name('view_shape'), [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }]));
    nodes.push(n('Reshape', [logits, name('view_shape')], name('view')));
    if (this.opset >= 13) nodes.push(n('Unsqueeze', [name('bias'), one], name('bias4')));
    else nodes.push(n('Unsqueeze', [name('bias')], name('bias4'), [{ name: 'axes', type: onnx.AttributeProto.AttributeType.INTS, ints: [1] }]));
    nodes.push(n('Add', [name('view'), name('bias4')], name('biased_view')));
    nodes.push(n('Reshape', [name('biased_view'), name('logits_shape')], name('biased')));
    return [nodes, name('biased')];
  }
}

import { onnx } from '../onnx/generated/onnx';

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
 *
 * onnxruntime's fused com.microsoft.MultiHeadAttention hides S inside the
 * kernel: there the bias goes to its `attention_bias` input, and max(S) is
 * computed exactly in a side branch from the node's own queries and keys
 * (without any bias the node already had).
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

export interface Dependencies {
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

  const producers = new Map<string, onnx.INodeProto>();
  for (const node of nodes) for (const out of node.output ?? []) producers.set(out, node);
  const constants = constantValues(graph);
  const { dependencies, scales } = traceGraph(nodes, constants);

  const layers: { node: onnx.INodeProto; factor: number; fused: boolean }[] = [];
  const resolution = (query: string, at: onnx.INodeProto) => {
    const factor = scales.get(query);
    if (factor === undefined || !Number.isInteger(factor) || factor < 1) throw new NotPatchableError(`Cannot tell the resolution of the cross-attention at ${at.name || at.output![0]}`);
    return factor;
  };
  for (const node of nodes) {
    if (node.opType === 'MultiHeadAttention' && node.domain === 'com.microsoft') {
      const [query, key] = [dependencies.get(node.input?.[0] ?? ''), dependencies.get(node.input?.[1] ?? '')];
      if (!query?.sample || !key?.context || key.sample) continue;
      if (node.input?.[3]) throw new NotPatchableError('A MultiHeadAttention with a fused projection bias is not supported yet');
      layers.push({ node, factor: resolution(node.input![0]!, node), fused: true });
      continue;
    }
    if (node.opType !== 'Softmax') continue;
    const scores = scoreProducer(node.input![0]!, producers, dependencies);
    if (!scores) continue;
    const operands = (scores.input ?? []).map((name) => dependencies.get(name));
    const queries = operands.findIndex((d) => d?.sample);
    const keys = operands.findIndex((d) => d?.context && !d.sample);
    if (queries < 0 || keys < 0) continue;
    layers.push({ node, factor: resolution(scores.input![queries]!, node), fused: false });
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
  layers.forEach(({ node, factor, fused }, i) => {
    const prefix = `wb_${i}`;
    if (fused) {
      const [added, bias] = builder.fusedBias(prefix, node, pwwInput(factor), maskInput(factor));
      while ((node.input ?? []).length < 6) node.input!.push('');
      node.input![5] = bias;
      inserted.set(node, added);
    } else {
      const logits = node.input![0]!;
      const [added, biased] = builder.biasNodes(prefix, logits, pwwInput(factor), maskInput(factor));
      node.input![0] = biased;
      inserted.set(node, added);
    }
  });
  // Keep the graph topologically sorted: each layer's new nodes go right before its softmax.
  graph.node = nodes.flatMap((n) => [...(inserted.get(n) ?? []), n]);
  const patched = layers.map((l, i) => {
    const layer: PatchedLayer = { softmax: l.node.name || l.node.output![0]!, factor: l.factor };
    // The fused kernel keeps its probabilities to itself.
    if (!options.exposeAttention || l.fused) return layer;
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

/** Which of the UNet's inputs (`sample`, `encoder_hidden_states`) each tensor depends on: a tensor's shape is metadata, not data. */
export function traceDependencies(nodes: readonly onnx.INodeProto[]): Map<string, Dependencies> {
  return traceGraph(nodes, new Map()).dependencies;
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

/** Emits the bias subgraphs with the operator forms of the model's opset. */
class NodeBuilder {
  constructor(
    private readonly opset: number,
    private readonly floatType: number,
  ) {}

  /** Unfused attention: logits' = logits + bias, through a [batch, -1, q, k] view of the logits. */
  biasNodes(prefix: string, logits: string, pww: string, mask: string): [onnx.INodeProto[], string] {
    const e = new Emitter(prefix, this.opset, this.floatType);
    e.node('ReduceMax', [logits], 'max', [e.int('keepdims', 0)]);
    const bias = e.bias(logits, e.name('max'), pww, mask);
    // Logits may be [batch, heads, q, k] or [batch*heads, q, k]: view them as [batch, -1, q, k] to add the [batch, q, k] bias.
    e.node('Shape', [logits], 'logits_shape');
    e.node('Shape', [e.name('pww_like')], 'bias_shape');
    e.node('Slice', [e.name('bias_shape'), e.ints64([0]), e.ints64([1])], 'batch');
    e.node('Slice', [e.name('logits_shape'), e.ints64([-2]), e.ints64([2 ** 31 - 1])], 'qk');
    e.node('Concat', [e.name('batch'), e.ints64([-1]), e.name('qk')], 'view_shape', [e.int('axis', 0)]);
    e.node('Reshape', [logits, e.name('view_shape')], 'view');
    e.node('Add', [e.name('view'), e.unsqueeze(bias, 1)], 'biased_view');
    e.node('Reshape', [e.name('biased_view'), e.name('logits_shape')], 'biased');
    return [e.nodes, e.name('biased')];
  }

  /**
   * MultiHeadAttention: the [batch, 1, q, k] bias for its attention_bias input (added to any it had),
   * with max(S) from Q K^T * scale recomputed beside the kernel.
   */
  fusedBias(prefix: string, mha: onnx.INodeProto, pww: string, mask: string): [onnx.INodeProto[], string] {
    const e = new Emitter(prefix, this.opset, this.floatType);
    const [query, key, value] = [mha.input![0]!, mha.input![1]!, mha.input?.[2] ?? ''];
    const heads = Number((mha.attribute ?? []).find((a) => a.name === 'num_heads')?.i ?? 1);
    const scaleAttr = (mha.attribute ?? []).find((a) => a.name === 'scale')?.f;
    e.node('Reshape', [query, e.ints64([0, 0, heads, -1])], 'q4');
    e.node('Transpose', [e.name('q4')], 'qh', [e.ints('perm', [0, 2, 1, 3])]);
    // Keys are [batch, kv, hidden], or packed with the values as [batch, kv, heads, 2, head] when no value input is given.
    if (value) e.node('Reshape', [key, e.ints64([0, 0, heads, -1])], 'k4');
    else e.node('Gather', [key, e.ints64Scalar(0)], 'k4', [e.int('axis', 3)]);
    e.node('Transpose', [e.name('k4')], 'kh', [e.ints('perm', [0, 2, 3, 1])]);
    e.node('MatMul', [e.name('qh'), e.name('kh')], 'qk');
    if (scaleAttr) {
      e.node('Mul', [e.name('qk'), e.floatLike(scaleAttr, query)], 'scores');
    } else {
      e.node('Shape', [e.name('qh')], 'qh_shape');
      e.node('Slice', [e.name('qh_shape'), e.ints64([-1]), e.ints64([2 ** 31 - 1])], 'head_size');
      e.like(e.name('head_size'), query, 'head_size_f');
      e.node('Sqrt', [e.name('head_size_f')], 'root');
      e.node('Div', [e.name('qk'), e.name('root')], 'scores');
    }
    e.node('ReduceMax', [e.name('scores')], 'max', [e.int('keepdims', 0)]);
    const bias = e.unsqueeze(e.bias(query, e.name('max'), pww, mask), 1);
    const existing = mha.input?.[5];
    if (!existing) return [e.nodes, bias];
    e.node('Add', [existing, bias], 'combined');
    return [e.nodes, e.name('combined')];
  }
}

/** Appends nodes whose names share a prefix. */
class Emitter {
  readonly nodes: onnx.INodeProto[] = [];
  private constants = 0;

  constructor(
    private readonly prefix: string,
    private readonly opset: number,
    private readonly floatType: number,
  ) {}

  name(local: string): string {
    return `${this.prefix}_${local}`;
  }

  node(opType: string, inputs: string[], output: string, attribute: onnx.IAttributeProto[] = []): string {
    this.nodes.push({ opType, input: inputs, output: [this.name(output)], name: this.name(output), attribute });
    return this.name(output);
  }

  int(name: string, i: number): onnx.IAttributeProto {
    return { name, type: onnx.AttributeProto.AttributeType.INT, i };
  }

  ints(name: string, values: number[]): onnx.IAttributeProto {
    return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: values };
  }

  private constant(t: onnx.ITensorProto): string {
    return this.node('Constant', [], `c${this.constants++}`, [{ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t }]);
  }

  ints64(values: number[]): string {
    return this.constant({ dataType: T.INT64, dims: [values.length], int64Data: values });
  }

  ints64Scalar(value: number): string {
    return this.constant({ dataType: T.INT64, dims: [], int64Data: [value] });
  }

  floatLike(value: number, like: string): string {
    return this.like(this.constant({ dataType: T.FLOAT, dims: [], floatData: [value] }), like, `c${this.constants++}_like`);
  }

  /** `tensor` in the type of `like`: CastLike from opset 15, else a Cast to the model's float type. */
  like(tensor: string, like: string, output: string): string {
    return this.opset >= 15 ? this.node('CastLike', [tensor, like], output) : this.node('Cast', [tensor], output, [this.int('to', this.floatType)]);
  }

  unsqueeze(tensor: string, axis: number): string {
    const output = `${tensor.slice(this.prefix.length + 1)}_u${axis}`;
    return this.opset >= 13 ? this.node('Unsqueeze', [tensor, this.ints64([axis])], output) : this.node('Unsqueeze', [tensor], output, [this.ints('axes', [axis])]);
  }

  /** pww_scale * max * A + M, in the type of `like`: [batch, q, k]. */
  bias(like: string, max: string, pww: string, mask: string): string {
    const scale = this.like(PWW_SCALE_INPUT, like, 'scale');
    this.node('Mul', [scale, max], 'gain');
    const a = this.like(pww, like, 'pww_like');
    const m = this.like(mask, like, 'mask_like');
    this.node('Mul', [a, this.name('gain')], 'pww_scaled');
    return this.node('Add', [this.name('pww_scaled'), m], 'bias');
  }
}

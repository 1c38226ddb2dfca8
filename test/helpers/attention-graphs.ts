import { onnx } from '../../main/engine/onnx/generated/onnx';

/**
 * Tiny UNet-shaped graphs with one cross-attention layer and the same
 * weights: written out (MatMul, Mul by the scale, Softmax, MatMul), with an
 * Einsum for the scores, or with onnxruntime's fused
 * com.microsoft.MultiHeadAttention. Image tokens
 * come from `sample` [B, 4, H, W], keys and values from
 * `encoder_hidden_states` [B, 77, 8]; `out_sample` has the sample's shape.
 */
const F = onnx.TensorProto.DataType.FLOAT;
export const HEADS = 2;
export const WIDTH = 8;

/** The layer's weights, row-major, as every form of the graph holds them: for checking the graphs against arithmetic done by hand. */
export const ATTENTION_WEIGHTS = {
  w_q: { rows: 4, cols: WIDTH, values: weightValues(4, WIDTH, 1) },
  w_k: { rows: WIDTH, cols: WIDTH, values: weightValues(WIDTH, WIDTH, 2) },
  w_v: { rows: WIDTH, cols: WIDTH, values: weightValues(WIDTH, WIDTH, 3) },
  w_o: { rows: WIDTH, cols: 4, values: weightValues(WIDTH, 4, 4) },
};

function weightValues(rows: number, cols: number, seed: number): number[] {
  return Array.from({ length: rows * cols }, (_, i) => Math.fround(Math.sin(seed * 12.9898 + i * 78.233) * 0.5));
}

const weight = (name: keyof typeof ATTENTION_WEIGHTS): onnx.ITensorProto => ({ name, dataType: F, dims: [ATTENTION_WEIGHTS[name].rows, ATTENTION_WEIGHTS[name].cols], floatData: ATTENTION_WEIGHTS[name].values });
const ints = (name: string, values: number[]): onnx.ITensorProto => ({ name, dataType: onnx.TensorProto.DataType.INT64, dims: [values.length], int64Data: values });
const io = (name: string, dims: (number | string)[], elemType = F): onnx.IValueInfoProto => ({
  name,
  type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
});
const node = (opType: string, input: string[], output: string[], attribute: onnx.IAttributeProto[] = [], domain = ''): onnx.INodeProto => ({ opType, input, output, attribute, domain, name: output[0] });
const intAttr = (name: string, i: number): onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INT, i });
const intsAttr = (name: string, values: number[]): onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: values });

export type AttentionForm = 'written-out' | 'einsum' | 'fused';

export function attentionGraph(form: AttentionForm): Uint8Array {
  const fused = form === 'fused';
  const shared: onnx.INodeProto[] = [
    // [B, 4, H, W] -> [B, H*W, 4]
    node('Shape', ['sample'], ['sample_shape']),
    node('Reshape', ['sample', 'flat_shape'], ['flat']),
    node('Transpose', ['flat'], ['tokens'], [intsAttr('perm', [0, 2, 1])]),
    node('MatMul', ['tokens', 'w_q'], ['q']),
    node('MatMul', ['encoder_hidden_states', 'w_k'], ['k']),
    node('MatMul', ['encoder_hidden_states', 'w_v'], ['v']),
  ];
  const heads = (x: string, out: string, perm: number[]) => [node('Reshape', [x, 'heads_shape'], [`${out}_4d`]), node('Transpose', [`${out}_4d`], [out], [intsAttr('perm', perm)])];
  const attention = fused
    ? [node('MultiHeadAttention', ['q', 'k', 'v'], ['attended'], [intAttr('num_heads', HEADS)], 'com.microsoft')]
    : [
        ...heads('q', 'qh', [0, 2, 1, 3]),
        ...heads('k', 'kh', [0, 2, 3, 1]),
        ...heads('v', 'vh', [0, 2, 1, 3]),
        form === 'einsum'
          ? node('Einsum', ['qh', 'kh'], ['scores'], [{ name: 'equation', type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode('bhqd,bhdk->bhqk') }])
          : node('MatMul', ['qh', 'kh'], ['scores']),
        node('Mul', ['scores', 'scale'], ['scaled']),
        node('Softmax', ['scaled'], ['probs'], [intAttr('axis', -1)]),
        node('MatMul', ['probs', 'vh'], ['oh']),
        node('Transpose', ['oh'], ['o_t'], [intsAttr('perm', [0, 2, 1, 3])]),
        node('Reshape', ['o_t', 'merge_shape'], ['attended']),
      ];
  const tail = [
    node('MatMul', ['attended', 'w_o'], ['projected']),
    node('Transpose', ['projected'], ['channels_first'], [intsAttr('perm', [0, 2, 1])]),
    node('Reshape', ['channels_first', 'sample_shape'], ['out_sample']),
  ];
  const graph: onnx.IGraphProto = {
    name: fused ? 'fused' : 'unfused',
    node: [...shared, ...attention, ...tail],
    initializer: [
      weight('w_q'),
      weight('w_k'),
      weight('w_v'),
      weight('w_o'),
      ints('flat_shape', [0, 4, -1]),
      ...(fused ? [] : [{ name: 'scale', dataType: F, dims: [], floatData: [1 / Math.sqrt(WIDTH / HEADS)] }, ints('heads_shape', [0, 0, HEADS, -1]), ints('merge_shape', [0, 0, -1])]),
    ],
    input: [io('sample', ['batch', 4, 'h', 'w']), io('timestep', ['steps'], onnx.TensorProto.DataType.INT64), io('encoder_hidden_states', ['batch', 'tokens', WIDTH])],
    output: [io('out_sample', ['batch', 4, 'h', 'w'])],
  };
  return onnx.ModelProto.encode({ irVersion: 8, opsetImport: [{ version: 17 }, { domain: 'com.microsoft', version: 1 }], graph }).finish();
}

import { onnx } from '../../main/engine/onnx/generated/onnx';

const F = onnx.TensorProto.DataType.FLOAT;

/**
 * A UNet-shaped graph whose output is known by arithmetic: `out_sample =
 * sample + mean(its row's encoder_hidden_states)`, with a UNet's inputs
 * (sample [batch, channels, h, w], int64 timestep, context [batch, tokens,
 * width]). `batch` fixes the batch size, as some exports do, or leaves it free;
 * `fixed.latent` fixes the latent's [h, w] and `fixed.timestep` the timestep's
 * shape ([1], or [] for a scalar), as static exports declare them;
 * `fixed.timeIds` adds SDXL's inputs (`text_embeds`, and `time_ids` of that
 * width or a free one), which the output does not depend on.
 */
export function meanContextUnet(channels: number, width: number, batch: number | 'batch' = 'batch', fixed: { readonly latent?: readonly [number, number]; readonly timestep?: readonly number[]; readonly timeIds?: number | 'ids' } = {}): Uint8Array {
  const io = (name: string, dims: (number | string)[], elemType = F): onnx.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  });
  const graph: onnx.IGraphProto = {
    name: 'mean-context',
    node: [
      { opType: 'ReduceMean', input: ['encoder_hidden_states'], output: ['row_mean'], attribute: [{ name: 'axes', type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 2] }, { name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] },
      { opType: 'Reshape', input: ['row_mean', 'per_row'], output: ['row_offset'] },
      { opType: 'Add', input: ['sample', 'row_offset'], output: ['out_sample'] },
    ],
    initializer: [{ name: 'per_row', dataType: onnx.TensorProto.DataType.INT64, dims: [4], int64Data: [-1, 1, 1, 1] }],
    input: [io('sample', [batch, channels, ...(fixed.latent ?? ['h', 'w'])]), io('timestep', [...(fixed.timestep ?? ['steps'])], onnx.TensorProto.DataType.INT64), io('encoder_hidden_states', [batch, 'tokens', width]), ...(fixed.timeIds === undefined ? [] : [io('text_embeds', [batch, 'pooled']), io('time_ids', [batch, fixed.timeIds])])],
    output: [io('out_sample', [batch, channels, ...(fixed.latent ?? ['h', 'w'])])],
  };
  return onnx.ModelProto.encode({ irVersion: 8, opsetImport: [{ version: 17 }], graph }).finish();
}

/**
 * A text-encoder-shaped graph whose outputs are known by arithmetic: from
 * int64 `input_ids` [1, tokens], `hidden_states.k` (k = 0..layers) holds each
 * id times k and `last_hidden_state` each id times 100, one value per
 * position (width 1), as an export with every layer's hidden states names them.
 */
export function layerNumberingTextEncoder(layers: number): Uint8Array {
  const io = (name: string, dims: (number | string)[], elemType = F): onnx.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  });
  const outputs = [...Array.from({ length: layers + 1 }, (_, k) => [`hidden_states.${k}`, k] as const), ['last_hidden_state', 100] as const];
  const graph: onnx.IGraphProto = {
    name: 'layer-numbering',
    node: [
      { opType: 'Cast', input: ['input_ids'], output: ['ids'], attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: F }] },
      { opType: 'Unsqueeze', input: ['ids', 'last_axis'], output: ['ids_column'] },
      ...outputs.map(([name]) => ({ opType: 'Mul', input: ['ids_column', `factor_${name}`], output: [name] })),
    ],
    initializer: [{ name: 'last_axis', dataType: onnx.TensorProto.DataType.INT64, dims: [1], int64Data: [2] }, ...outputs.map(([name, factor]) => ({ name: `factor_${name}`, dataType: F, dims: [], floatData: [factor] }))],
    input: [io('input_ids', [1, 'tokens'], onnx.TensorProto.DataType.INT64)],
    output: outputs.map(([name]) => io(name, [1, 'tokens', 1])),
  };
  return onnx.ModelProto.encode({ irVersion: 8, opsetImport: [{ version: 17 }], graph }).finish();
}

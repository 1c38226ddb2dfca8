import { open, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { onnx } from '../engine/onnx/generated/onnx';

export interface TensorSignature {
  readonly name: string;
  /** Known sizes as numbers, symbolic ones as their names, unknown as null. */
  readonly dims: readonly (number | string | null)[];
  /** Bytes per element for float32 and float16 tensors; null for other types. */
  readonly elementBytes: 2 | 4 | null;
}

export interface OnnxSignature {
  readonly inputs: readonly TensorSignature[];
  readonly outputs: readonly TensorSignature[];
  /** External weight files the graph names, with the bytes each must hold at least. */
  readonly externalData: ReadonlyMap<string, number>;
}

export class NotOnnxError extends Error {}

/** ModelProto.graph, GraphProto.initializer/input/output (onnx.proto). */
const MODEL_GRAPH = 7;
const MODEL_IR_VERSION = 1;
const GRAPH_INITIALIZER = 5;
const GRAPH_INPUT = 11;
const GRAPH_OUTPUT = 12;
/** Initializers larger than this hold their weights inline; external ones are a few hundred bytes. */
const SMALL_TENSOR = 4096;

/**
 * Reads a model's inputs, outputs and external weight files without loading
 * it: the protobuf is walked field by field and inline weights are skipped
 * by their length, so a 3 GB UNet costs a few hundred small reads. Written
 * here because onnx-proto (and onnxruntime) only decode whole models.
 */
export async function readOnnxSignature(file: string): Promise<OnnxSignature> {
  const { size } = await stat(file);
  if (size === 0) throw new NotOnnxError(`${file} is empty`);
  const handle = await open(file, 'r');
  try {
    const reader = new ProtoReader(handle, size);
    let graph: { start: number; end: number } | null = null;
    let irVersion: number | null = null;
    while (reader.pos < size) {
      const field = await reader.field(size);
      if (field.number === MODEL_IR_VERSION && field.wireType === 0) irVersion = field.value;
      if (field.number === MODEL_GRAPH && field.wireType === 2) graph = { start: field.value, end: field.value + field.length };
      reader.skip(field);
    }
    if (irVersion === null || irVersion < 1 || irVersion > 100 || graph === null) throw new NotOnnxError(`${file} is not an ONNX model (no ${graph === null ? 'graph' : 'IR version'})`);
    return await readGraph(reader, graph, dirname(file));
  } catch (error) {
    if (error instanceof NotOnnxError) throw error;
    throw new NotOnnxError(`${file} is not an ONNX model (${(error as Error).message})`);
  } finally {
    await handle.close();
  }
}

async function readGraph(reader: ProtoReader, graph: { start: number; end: number }, folder: string): Promise<OnnxSignature> {
  const inputs: TensorSignature[] = [];
  const outputs: TensorSignature[] = [];
  const externalData = new Map<string, number>();
  reader.pos = graph.start;
  while (reader.pos < graph.end) {
    const field = await reader.field(graph.end);
    if (field.wireType === 2 && (field.number === GRAPH_INPUT || field.number === GRAPH_OUTPUT)) {
      (field.number === GRAPH_INPUT ? inputs : outputs).push(valueInfo(onnx.ValueInfoProto.decode(await reader.bytes(field))));
    } else if (field.wireType === 2 && field.number === GRAPH_INITIALIZER && field.length <= SMALL_TENSOR) {
      const tensor = onnx.TensorProto.decode(await reader.bytes(field));
      if (tensor.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) noteExternal(tensor, folder, externalData);
    }
    reader.skip(field);
  }
  return { inputs, outputs, externalData };
}

function noteExternal(tensor: onnx.TensorProto, folder: string, externalData: Map<string, number>): void {
  const entry = (key: string) => tensor.externalData.find((e) => e.key === key)?.value;
  const location = entry('location');
  if (!location) throw new NotOnnxError(`tensor ${tensor.name} is stored outside without a location`);
  const end = Number(entry('offset') ?? 0) + Number(entry('length') ?? 0);
  const path = join(folder, location);
  externalData.set(path, Math.max(externalData.get(path) ?? 0, end));
}

function valueInfo(info: onnx.ValueInfoProto): TensorSignature {
  const dims = info.type?.tensorType?.shape?.dim ?? [];
  const type = info.type?.tensorType?.elemType;
  return {
    name: info.name,
    elementBytes: type === onnx.TensorProto.DataType.FLOAT16 ? 2 : type === onnx.TensorProto.DataType.FLOAT ? 4 : null,
    dims: dims.map((d) => (d.dimValue !== undefined && d.dimValue !== null && Number(d.dimValue) > 0 ? Number(d.dimValue) : d.dimParam ? d.dimParam : null)),
  };
}

interface Field {
  readonly number: number;
  readonly wireType: number;
  /** The varint's value, or where a length-delimited field's bytes start. */
  readonly value: number;
  readonly length: number;
}

/** Buffered positional reads over a protobuf file. */
class ProtoReader {
  pos = 0;
  private buffer = Buffer.alloc(0);
  private bufferStart = 0;

  constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
  ) {}

  async field(end: number): Promise<Field> {
    const key = await this.varint();
    const number = Math.floor(key / 8);
    const wireType = key % 8;
    if (number === 0) throw new Error(`field number 0 at byte ${this.pos}`);
    if (wireType === 0) return { number, wireType, value: await this.varint(), length: 0 };
    if (wireType === 1 || wireType === 5) return { number, wireType, value: this.pos, length: wireType === 1 ? 8 : 4 };
    if (wireType !== 2) throw new Error(`unexpected wire type ${wireType} at byte ${this.pos}`);
    const length = await this.varint();
    if (this.pos + length > end) throw new Error(`a field runs past its end (byte ${this.pos + length} of ${end}): the file is truncated or not protobuf`);
    return { number, wireType, value: this.pos, length };
  }

  skip(field: Field): void {
    if (field.wireType !== 0) this.pos = field.value + field.length;
  }

  async bytes(field: Field): Promise<Uint8Array> {
    const out = Buffer.alloc(field.length);
    await this.handle.read(out, 0, field.length, field.value);
    return out;
  }

  private async varint(): Promise<number> {
    let result = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      const byte = await this.byte();
      result += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return result;
    }
    throw new Error('malformed varint');
  }

  private async byte(): Promise<number> {
    if (this.pos >= this.size) throw new Error('unexpected end of file');
    if (this.pos < this.bufferStart || this.pos >= this.bufferStart + this.buffer.length) {
      this.bufferStart = this.pos;
      this.buffer = Buffer.alloc(Math.min(65536, this.size - this.pos));
      await this.handle.read(this.buffer, 0, this.buffer.length, this.pos);
    }
    return this.buffer[this.pos++ - this.bufferStart]!;
  }
}

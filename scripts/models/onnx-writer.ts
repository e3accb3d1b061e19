/**
 * Minimal helpers for writing ONNX models with onnx-proto (protobufjs 6).
 *
 * Why hand-written: the demo models are tiny (an Identity, a small MLP), and
 * pulling in a Python/ONNX toolchain just to serialise a few nodes would make
 * the build slower and harder to reproduce. ONNX files are plain protobuf
 * messages, so we build the message objects directly and encode them.
 *
 * Determinism: protobufjs encodes fields in schema order and we never write
 * timestamps, random ids or host names, so identical inputs produce identical
 * bytes. Tensor data goes into `raw_data` as little-endian bytes, which is the
 * compact, exact representation ONNX runtimes expect.
 */

import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type ValueInfo = onnxProto.onnx.IValueInfoProto;
type Tensor = onnxProto.onnx.ITensorProto;
type Node = onnxProto.onnx.INodeProto;
type Attribute = onnxProto.onnx.IAttributeProto;

/** IR version 8 (ONNX 1.10+), understood by every current runtime. */
export const IR_VERSION = 8;
/** Default-domain opset used by all demo models. */
export const OPSET = 17;

export const DataType = {
  FLOAT: onnx.TensorProto.DataType.FLOAT,
  INT64: onnx.TensorProto.DataType.INT64,
} as const;
export type ElemType = (typeof DataType)[keyof typeof DataType];

/** A dimension: a fixed size, or a name for a dynamic (symbolic) one. */
export type Dim = number | string;

/** Declares a graph input/output tensor with element type and shape. */
export function tensorInfo(name: string, elemType: ElemType, dims: Dim[], docString = ''): ValueInfo {
  return {
    name,
    docString,
    type: {
      tensorType: {
        elemType,
        shape: {
          dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
        },
      },
    },
  };
}

/** A float32 initializer (constant tensor). `values` is row-major. */
export function floatTensor(name: string, dims: number[], values: ArrayLike<number>): Tensor {
  checkSize(name, dims, values.length);
  const buf = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) buf.writeFloatLE(values[i] ?? 0, i * 4);
  return { name, dims, dataType: DataType.FLOAT, rawData: buf };
}

/** An int64 initializer (e.g. Slice starts/ends). */
export function int64Tensor(name: string, dims: number[], values: readonly number[]): Tensor {
  checkSize(name, dims, values.length);
  const buf = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => buf.writeBigInt64LE(BigInt(v), i * 8));
  return { name, dims, dataType: DataType.INT64, rawData: buf };
}

function checkSize(name: string, dims: number[], length: number): void {
  const expected = dims.reduce((a, b) => a * b, 1);
  if (expected !== length) {
    throw new Error(`tensor ${name}: shape [${dims.join(',')}] needs ${expected} values, got ${length}`);
  }
}

export function intAttr(name: string, i: number): Attribute {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i };
}

export function floatAttr(name: string, f: number): Attribute {
  return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f };
}

/** One operator node in the default ONNX domain. */
export function node(opType: string, inputs: string[], outputs: string[], name: string, attribute: Attribute[] = []): Node {
  return { opType, input: inputs, output: outputs, name, attribute };
}

export interface ModelSpec {
  graphName: string;
  docString: string;
  nodes: Node[];
  initializers?: Tensor[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  /** Stored as ONNX `metadata_props` (visible to ONNX tooling). */
  metadata?: Record<string, string>;
}

/** Assembles and serialises a model; returns the `.onnx` file bytes. */
export function encodeModel(spec: ModelSpec): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'switchyard-models-build',
    producerVersion: '1',
    modelVersion: 1,
    docString: spec.docString,
    graph: {
      name: spec.graphName,
      node: spec.nodes,
      initializer: spec.initializers ?? [],
      input: spec.inputs,
      output: spec.outputs,
    },
    metadataProps: Object.entries(spec.metadata ?? {})
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, value]) => ({ key, value })),
  });
  const err = onnx.ModelProto.verify(model);
  if (err) throw new Error(`invalid ONNX model ${spec.graphName}: ${err}`);
  return onnx.ModelProto.encode(model).finish();
}

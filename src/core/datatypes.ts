/**
 * The Open Inference Protocol's tensor datatypes, as data: how each is held in memory, which
 * values it can hold, and its ONNX Runtime name. BF16 is left out because onnxruntime-node
 * has no JS representation for it.
 */
export type Datatype =
  | 'BOOL' | 'UINT8' | 'UINT16' | 'UINT32' | 'UINT64'
  | 'INT8' | 'INT16' | 'INT32' | 'INT64'
  | 'FP16' | 'FP32' | 'FP64' | 'BYTES';

export type TensorData =
  | Uint8Array | Uint16Array | Uint32Array | BigUint64Array
  | Int8Array | Int16Array | Int32Array | BigInt64Array
  | Float32Array | Float64Array | string[];

export type ValueKind = 'bool' | 'integer' | 'bigint' | 'float' | 'half' | 'string';

export interface DatatypeInfo {
  readonly name: Datatype;
  /** The type name onnxruntime-node uses for this datatype. */
  readonly ortType: string;
  readonly kind: ValueKind;
  /** Inclusive range of JSON numbers accepted; for 64-bit integers only the exactly representable part. */
  readonly min: number;
  readonly max: number;
  readonly allocate: (length: number) => TensorData;
}

const FP32_MAX = 3.4028234663852886e38;
const FP16_MAX = 65504;

function info(name: Datatype, ortType: string, kind: ValueKind, min: number, max: number, allocate: (n: number) => TensorData): DatatypeInfo {
  return Object.freeze({ name, ortType, kind, min, max, allocate });
}

export const DATATYPES: Readonly<Record<Datatype, DatatypeInfo>> = Object.freeze({
  BOOL: info('BOOL', 'bool', 'bool', 0, 1, (n) => new Uint8Array(n)),
  UINT8: info('UINT8', 'uint8', 'integer', 0, 255, (n) => new Uint8Array(n)),
  UINT16: info('UINT16', 'uint16', 'integer', 0, 65535, (n) => new Uint16Array(n)),
  UINT32: info('UINT32', 'uint32', 'integer', 0, 4294967295, (n) => new Uint32Array(n)),
  // JSON numbers are doubles: 64-bit integers beyond 2^53 cannot arrive exactly, so they are refused.
  UINT64: info('UINT64', 'uint64', 'bigint', 0, Number.MAX_SAFE_INTEGER, (n) => new BigUint64Array(n)),
  INT8: info('INT8', 'int8', 'integer', -128, 127, (n) => new Int8Array(n)),
  INT16: info('INT16', 'int16', 'integer', -32768, 32767, (n) => new Int16Array(n)),
  INT32: info('INT32', 'int32', 'integer', -2147483648, 2147483647, (n) => new Int32Array(n)),
  INT64: info('INT64', 'int64', 'bigint', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, (n) => new BigInt64Array(n)),
  FP16: info('FP16', 'float16', 'half', -FP16_MAX, FP16_MAX, (n) => new Uint16Array(n)),
  FP32: info('FP32', 'float32', 'float', -FP32_MAX, FP32_MAX, (n) => new Float32Array(n)),
  FP64: info('FP64', 'float64', 'float', -Number.MAX_VALUE, Number.MAX_VALUE, (n) => new Float64Array(n)),
  BYTES: info('BYTES', 'string', 'string', 0, 0, (n) => new Array<string>(n).fill('')),
});

export function isDatatype(value: unknown): value is Datatype {
  return typeof value === 'string' && Object.hasOwn(DATATYPES, value);
}

const ORT_TO_DATATYPE = new Map(Object.values(DATATYPES).map((d) => [d.ortType, d.name]));

export function datatypeFromOrt(ortType: string): Datatype | undefined {
  return ORT_TO_DATATYPE.get(ortType);
}

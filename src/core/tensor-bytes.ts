/**
 * Fixed-width tensors as the raw little-endian bytes of the binary tensor data extension (KServe
 * v2 / Triton): shared by the gateway (binary requests and responses) and the upstream backend
 * (binary calls to an OIP server). BYTES has its own length-prefixed form, in the gateway.
 */
import { DATATYPES, type Datatype, type TensorData } from './datatypes.js';

export type FixedWidthData = Exclude<TensorData, string[]>;

export const BYTES_PER_ELEMENT: Readonly<Partial<Record<Datatype, number>>> = {
  BOOL: 1, UINT8: 1, INT8: 1, UINT16: 2, INT16: 2, FP16: 2, UINT32: 4, INT32: 4, FP32: 4, UINT64: 8, INT64: 8, FP64: 8,
};

/**
 * Raw bytes -> a typed array of the datatype, copied (so it is aligned and owns its buffer);
 * undefined when the byte count does not fit `count` elements. BOOL bytes are taken as they are:
 * see `firstBadBool`.
 */
export function fixedWidthFromBytes(datatype: Datatype, count: number, bytes: Uint8Array): FixedWidthData | undefined {
  const size = BYTES_PER_ELEMENT[datatype];
  if (size === undefined || bytes.length !== count * size) return undefined;
  const target = DATATYPES[datatype].allocate(count) as FixedWidthData;
  new Uint8Array(target.buffer, target.byteOffset, target.byteLength).set(bytes);
  return target;
}

/** The index of the first BOOL byte that is neither 0 nor 1, or -1. */
export function firstBadBool(values: Uint8Array): number {
  for (let i = 0; i < values.length; i++) if (values[i]! > 1) return i;
  return -1;
}

/** A fixed-width tensor's bytes: a view, not a copy. */
export function fixedWidthBytes(data: FixedWidthData): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Tensors on the data plane: JSON with each numeric tensor's bytes in base64 (one copy, no
 * per-element formatting) and BYTES tensors as arrays of strings.
 */
import { DATATYPES, type Datatype } from '../../core/datatypes.js';
import { elementCount, type Tensor, type TensorMap } from '../../core/tensor.js';

export interface WireTensor {
  readonly datatype: Datatype;
  readonly shape: readonly number[];
  /** base64 of the little-endian element bytes, or the strings of a BYTES tensor. */
  readonly data: string | readonly string[];
}

export type WireTensors = Record<string, WireTensor>;

export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireError';
  }
}

export function encodeTensors(tensors: TensorMap): WireTensors {
  const out: WireTensors = {};
  for (const [name, tensor] of Object.entries(tensors)) {
    const { data } = tensor;
    out[name] = {
      datatype: tensor.datatype,
      shape: tensor.shape,
      data: Array.isArray(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64'),
    };
  }
  return out;
}

function decodeTensor(name: string, wire: unknown): Tensor {
  if (typeof wire !== 'object' || wire === null) throw new WireError(`tensor '${name}' is not an object`);
  const { datatype, shape, data } = wire as Partial<WireTensor>;
  const info = typeof datatype === 'string' ? DATATYPES[datatype] : undefined;
  if (!info) throw new WireError(`tensor '${name}' has an unknown datatype`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw new WireError(`tensor '${name}' has a bad shape`);
  const count = elementCount(shape);
  if (datatype === 'BYTES') {
    if (!Array.isArray(data) || data.length !== count || !data.every((s) => typeof s === 'string')) throw new WireError(`tensor '${name}': BYTES data must be ${count} strings`);
    return { datatype, shape, data: [...data] };
  }
  if (typeof data !== 'string') throw new WireError(`tensor '${name}': data must be base64`);
  const bytes = Buffer.from(data, 'base64');
  const typed = info.allocate(count);
  if (Array.isArray(typed) || bytes.length !== typed.byteLength) throw new WireError(`tensor '${name}': ${bytes.length} bytes do not hold ${count} ${datatype} elements`);
  new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength).set(bytes);
  return { datatype: datatype as Datatype, shape, data: typed };
}

export function decodeTensors(wire: unknown): TensorMap {
  if (typeof wire !== 'object' || wire === null || Array.isArray(wire)) throw new WireError('tensors must be an object of name -> tensor');
  const out: TensorMap = Object.create(null) as TensorMap;
  for (const [name, tensor] of Object.entries(wire as Record<string, unknown>)) out[name] = decodeTensor(name, tensor);
  return out;
}

/** A batch sent to an agent. */
export interface WireBatchRequest {
  readonly replica: string;
  readonly outputs: readonly string[];
  readonly inputs: WireTensors;
}

/** An agent's answer to a batch. */
export interface WireBatchResponse {
  readonly outputs: WireTensors;
  readonly queue_ms: number;
  readonly compute_ms: number;
}

/**
 * Writes the OIP inference response as a JSON string directly: typed arrays are joined rather
 * than copied into JS arrays first, which matters on the hot path.
 */
import type { TensorData } from '../../core/datatypes.js';
import { fromHalfBits } from '../../core/float16.js';
import type { Tensor } from '../../core/tensor.js';
import { encodeBinaryTensor } from './binary-tensors.js';

function finiteJoin(values: Float32Array | Float64Array): string {
  for (let i = 0; i < values.length; i++) {
    // JSON has no NaN or Infinity: such values are written as null, as JSON.stringify does.
    if (!Number.isFinite(values[i])) return JSON.stringify(Array.from(values, (v) => (Number.isFinite(v) ? v : null)));
  }
  return `[${values.join(',')}]`;
}

export function encodeTensorData(tensor: Tensor): string {
  const data: TensorData = tensor.data;
  switch (tensor.datatype) {
    case 'FP32':
    case 'FP64':
      return finiteJoin(data as Float32Array | Float64Array);
    case 'FP16':
      return JSON.stringify(Array.from(data as Uint16Array, (bits) => {
        const v = fromHalfBits(bits);
        return Number.isFinite(v) ? v : null;
      }));
    case 'BOOL':
      return JSON.stringify(Array.from(data as Uint8Array, (v) => v !== 0));
    case 'BYTES':
      return JSON.stringify(data);
    default:
      // Integer arrays (including 64-bit ones) join to valid JSON integers.
      return `[${(data as Int32Array).join(',')}]`;
  }
}

export interface ResponseHead {
  readonly modelName: string;
  readonly modelVersion: string;
  readonly id: string | undefined;
  /** The response `parameters` object, already rendered as JSON. */
  readonly parametersJson: string;
}

/**
 * The response as JSON text, plus the raw bytes of the outputs asked for in binary (in output
 * order, to follow the JSON); `blobs` is empty when every output is JSON.
 */
export function encodeInferResponse(
  head: ResponseHead,
  outputs: readonly (readonly [string, Tensor])[],
  binary: ReadonlySet<string> = new Set(),
): { json: string; blobs: Buffer[] } {
  const parts: string[] = [];
  const blobs: Buffer[] = [];
  for (const [name, tensor] of outputs) {
    const start = `{"name":${JSON.stringify(name)},"datatype":"${tensor.datatype}","shape":[${tensor.shape.join(',')}],`;
    if (binary.has(name)) {
      const blob = encodeBinaryTensor(tensor.datatype, tensor.data);
      blobs.push(blob);
      parts.push(`${start}"parameters":{"binary_data_size":${blob.length}}}`);
    } else {
      parts.push(`${start}"data":${encodeTensorData(tensor)}}`);
    }
  }
  const id = head.id === undefined ? '' : `"id":${JSON.stringify(head.id)},`;
  const json = `{"model_name":${JSON.stringify(head.modelName)},"model_version":${JSON.stringify(head.modelVersion)},${id}"parameters":${head.parametersJson},"outputs":[${parts.join(',')}]}`;
  return { json, blobs };
}

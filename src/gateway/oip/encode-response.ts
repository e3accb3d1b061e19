/**
 * Writes the OIP inference response as a JSON string directly: typed arrays are written as text
 * (core/tensor-json.ts) rather than copied into JS arrays first, which matters on the hot path.
 */
import type { Tensor } from '../../core/tensor.js';
import { shapeText, tensorDataJson } from '../../core/tensor-json.js';
import { encodeBinaryTensor } from './binary-tensors.js';

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
    const start = `{"name":${JSON.stringify(name)},"datatype":"${tensor.datatype}","shape":[${shapeText(tensor.shape)}],`;
    if (binary.has(name)) {
      const blob = encodeBinaryTensor(tensor.datatype, tensor.data);
      blobs.push(blob);
      parts.push(`${start}"parameters":{"binary_data_size":${blob.length}}}`);
    } else {
      parts.push(`${start}"data":${tensorDataJson(tensor)}}`);
    }
  }
  const id = head.id === undefined ? '' : `"id":${JSON.stringify(head.id)},`;
  const json = `{"model_name":${JSON.stringify(head.modelName)},"model_version":${JSON.stringify(head.modelVersion)},${id}"parameters":${head.parametersJson},"outputs":[${parts.join(',')}]}`;
  return { json, blobs };
}

/**
 * A tensor's shape and data as JSON text, written directly from the typed array: no JS array of
 * numbers in between. Shared by the gateway's answers and the JSON requests sent to upstreams.
 */
import type { TensorData } from './datatypes.js';
import { fromHalfBits } from './float16.js';
import type { Tensor } from './tensor.js';

/**
 * The dimensions joined by commas, without brackets. Why not `join`: on the short arrays shapes
 * are, concatenation costs a third of it (no element array to build first).
 */
export function shapeText(shape: readonly number[]): string {
  const n = shape.length;
  if (n === 0) return '';
  let text = `${shape[0]}`;
  for (let i = 1; i < n; i++) text += `,${shape[i]}`;
  return text;
}

/**
 * Floats as a JSON array; NaN and the infinities become null, as JSON.stringify writes them.
 * Concatenation again: cheaper than `TypedArray.prototype.join` (measured in docs/hot-path.md).
 */
function floatsJson(values: Float32Array | Float64Array): string {
  const n = values.length;
  let text = '[';
  for (let i = 0; i < n; i++) {
    const value = values[i]!;
    if (!Number.isFinite(value)) return JSON.stringify(Array.from(values, (v) => (Number.isFinite(v) ? v : null)));
    text += i === 0 ? `${value}` : `,${value}`;
  }
  return `${text}]`;
}

/** The tensor's `data` member as JSON: numbers, booleans for BOOL, strings for BYTES. */
export function tensorDataJson(tensor: Tensor): string {
  const data: TensorData = tensor.data;
  switch (tensor.datatype) {
    case 'FP32':
    case 'FP64':
      return floatsJson(data as Float32Array | Float64Array);
    case 'FP16':
      // JSON.stringify writes a non-finite half as null.
      return JSON.stringify(Array.from(data as Uint16Array, fromHalfBits));
    case 'BOOL':
      return JSON.stringify(Array.from(data as Uint8Array, (v) => v !== 0));
    case 'BYTES':
      return JSON.stringify(data);
    default:
      // Integer arrays (including 64-bit ones) join to valid JSON integers.
      return `[${(data as Int32Array).join(',')}]`;
  }
}

/**
 * Cross-request batching of tensors: requests whose key matches are concatenated along each
 * tensor's batch axis into one run, and the outputs are cut back into per-request pieces.
 * Tensors without a batch axis must be identical across a batch, which the key guarantees.
 */
import type { TensorSpec } from '../../core/contract.js';
import type { TensorData } from '../../core/datatypes.js';
import type { Tensor, TensorMap } from '../../core/tensor.js';

/** Why: a non-batched input larger than this is never compared, so such requests run alone. */
const MAX_KEYED_ELEMENTS = 64;

function product(shape: readonly number[], from: number, to: number): number {
  let n = 1;
  for (let i = from; i < to; i++) n *= shape[i] ?? 1;
  return n;
}

/**
 * The batch key of a request: the shape of every input with its batch axis masked, and the
 * values of small non-batched inputs. `undefined` means the request must run on its own.
 */
export function batchKeyOf(inputs: TensorMap, specs: readonly TensorSpec[], batchable: boolean): string | undefined {
  if (!batchable) return undefined;
  let key = '';
  for (const spec of specs) {
    const tensor = inputs[spec.name];
    if (!tensor) return undefined;
    if (spec.batchAxis === undefined) {
      if (tensor.data.length > MAX_KEYED_ELEMENTS) return undefined;
      key += `${spec.name}=${tensor.shape.join('x')}:${Array.from(tensor.data as ArrayLike<unknown>, String).join(',')};`;
    } else {
      key += `${spec.name}=${tensor.shape.map((d, axis) => (axis === spec.batchAxis ? '*' : d)).join('x')};`;
    }
  }
  return key;
}

function allocateLike(data: TensorData, length: number): TensorData {
  if (Array.isArray(data)) return new Array<string>(length);
  const Typed = data.constructor as new (n: number) => Exclude<TensorData, string[]>;
  return new Typed(length);
}

function copy(source: TensorData, from: number, count: number, target: TensorData, to: number): void {
  if (Array.isArray(source)) {
    for (let i = 0; i < count; i++) (target as string[])[to + i] = source[from + i]!;
  } else {
    (target as Float32Array).set((source as Float32Array).subarray(from, from + count), to);
  }
}

/** Concatenates the members' tensors along the batch axis. One member passes through untouched. */
export function mergeInputs(members: readonly TensorMap[], specs: readonly TensorSpec[]): TensorMap {
  const first = members[0];
  if (!first) throw new Error('empty batch');
  if (members.length === 1) return first;
  const merged: TensorMap = Object.create(null) as TensorMap;
  for (const spec of specs) {
    const head = first[spec.name]!;
    if (spec.batchAxis === undefined) {
      merged[spec.name] = head;
      continue;
    }
    const axis = spec.batchAxis;
    const outer = product(head.shape, 0, axis);
    const inner = product(head.shape, axis + 1, head.shape.length);
    const rows = members.reduce((n, m) => n + (m[spec.name]!.shape[axis] ?? 0), 0);
    const data = allocateLike(head.data, outer * rows * inner);
    for (let o = 0; o < outer; o++) {
      let offsetRows = 0;
      for (const member of members) {
        const tensor = member[spec.name]!;
        const r = tensor.shape[axis] ?? 0;
        copy(tensor.data, o * r * inner, r * inner, data, (o * rows + offsetRows) * inner);
        offsetRows += r;
      }
    }
    const shape = [...head.shape];
    shape[axis] = rows;
    merged[spec.name] = { datatype: head.datatype, shape, data };
  }
  return merged;
}

/** Cuts one output back into a member's rows `[start, start + rows)` along its batch axis. */
export function sliceOutput(tensor: Tensor, batchAxis: number, start: number, rows: number): Tensor {
  const total = tensor.shape[batchAxis] ?? 0;
  if (start === 0 && rows === total) return tensor;
  const outer = product(tensor.shape, 0, batchAxis);
  const inner = product(tensor.shape, batchAxis + 1, tensor.shape.length);
  const data = allocateLike(tensor.data, outer * rows * inner);
  for (let o = 0; o < outer; o++) copy(tensor.data, (o * total + start) * inner, rows * inner, data, o * rows * inner);
  const shape = [...tensor.shape];
  shape[batchAxis] = rows;
  return { datatype: tensor.datatype, shape, data };
}

import type { Datatype, TensorData } from './datatypes.js';

/** A decoded tensor in memory, the unit every backend consumes and produces. */
export interface Tensor {
  readonly datatype: Datatype;
  readonly shape: readonly number[];
  readonly data: TensorData;
}

export type TensorMap = Record<string, Tensor>;

export function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const dim of shape) count *= dim;
  return count;
}

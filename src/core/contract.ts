import type { Datatype } from './datatypes.js';

/** One tensor of a model's contract. */
export interface TensorSpec {
  readonly name: string;
  readonly datatype: Datatype;
  /** Full shape; -1 marks a variable dimension. */
  readonly shape: readonly number[];
  /** The axis that carries the batch, or undefined for a tensor that is not batched. */
  readonly batchAxis: number | undefined;
  readonly description: string | undefined;
}

export type LatencyClass = 'realtime' | 'throughput';
export const LATENCY_CLASSES: readonly LatencyClass[] = ['realtime', 'throughput'];

/** What a model version promises its callers: validated before any request reaches a backend. */
export interface ModelContract {
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  /** Largest batch one request may carry; 0 = not batchable. */
  readonly maxBatchSize: number;
}

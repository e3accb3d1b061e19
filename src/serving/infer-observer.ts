/** What sees each valid inference request's inputs and the primary's outputs (drift sampling). */
import type { TensorMap } from '../core/tensor.js';
import type { ServedVersion } from './model-catalog.js';

export interface InferObserver {
  inputs(served: ServedVersion, inputs: TensorMap): void;
  outputs(served: ServedVersion, outputs: TensorMap): void;
}

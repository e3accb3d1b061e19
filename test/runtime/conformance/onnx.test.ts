/**
 * The Backend suite over the `onnx` backend, twice: batches in worker threads, and batches run
 * inline on the calling thread (onnx.inline_below_ms, warmed so every batch goes inline). The
 * model reshapes x[batch, n] to [-1, 3]: it answers its input for n = 3 and fails inside ONNX
 * Runtime for n = 4, both contract-valid (x is [-1, -1]).
 */
import type { TensorMap } from '../../../src/core/tensor.js';
import { loadOnnxBackend } from '../../../src/runtime/onnx/onnx-backend.js';
import { reshapeToThrees } from '../../fixtures/onnx-fixtures.js';
import { backendSuite, type BackendFactory } from './backend-suite.js';

const rows = (seed: number): number => 1 + (seed % 3);
const values = (seed: number): Float32Array => Float32Array.from({ length: rows(seed) * 3 }, (_, i) => seed * 10 + i * 0.25);

function factory(inlineBelowMs: number, instances: number): BackendFactory {
  return async () => {
    const { backend } = await loadOnnxBackend({ name: 'reshape', bytes: reshapeToThrees(), executionProvider: 'cpu', intraOpThreads: 1, instances, inlineBelowMs });
    const inputs = (seed: number): TensorMap => ({ x: { datatype: 'FP32', shape: [rows(seed), 3], data: values(seed) } });
    // The first batch measures the model in a worker; every batch after it runs inline.
    if (inlineBelowMs > 0) await backend.run(inputs(0), ['y']);
    return {
      backend,
      outputNames: ['y'],
      inputs,
      expected: (seed) => ({ y: { datatype: 'FP32', shape: [rows(seed), 3], data: values(seed) } }),
      failing: () => ({ x: { datatype: 'FP32', shape: [1, 4], data: new Float32Array([1, 2, 3, 4]) } }),
      dispose: async () => undefined,
    };
  };
}

backendSuite('onnx (worker threads)', { kind: 'onnx', simulated: false }, factory(0, 2));
backendSuite('onnx (inline runs)', { kind: 'onnx', simulated: false }, factory(10_000, 1));

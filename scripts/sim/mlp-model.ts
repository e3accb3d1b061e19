/**
 * The "heavier model" of the simulator's profiles: an 8.4M-parameter MLP
 * x[batch,1024] -> Gemm(4096) -> Relu -> Gemm(1024) = y, the shape TOOLCHAIN.md measured.
 * Weights are a deterministic pattern (timing does not depend on their values), so the bytes
 * are reproducible and need not be stored.
 */
import { DataType, encodeModel, floatTensor, node, tensorInfo } from '../models/onnx-writer.js';

export const MLP_DIMS = { input: 1024, hidden: 4096, output: 1024 } as const;

function pattern(n: number, scale: number): Float32Array {
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = ((((i * 7919) % 997) / 997) - 0.5) * scale;
  return values;
}

export function mlpModel(): Uint8Array {
  const { input, hidden, output } = MLP_DIMS;
  return encodeModel({
    graphName: 'mlp_8m',
    docString: 'Switchyard simulator profile model: 1024 -> 4096 -> 1024 MLP (Gemm, Relu, Gemm), synthetic weights.',
    nodes: [node('Gemm', ['x', 'w1', 'b1'], ['h'], 'dense0'), node('Relu', ['h'], ['hr'], 'relu0'), node('Gemm', ['hr', 'w2', 'b2'], ['y'], 'dense1')],
    initializers: [
      floatTensor('w1', [input, hidden], pattern(input * hidden, 2 / Math.sqrt(input))),
      floatTensor('b1', [hidden], pattern(hidden, 0.1)),
      floatTensor('w2', [hidden, output], pattern(hidden * output, 2 / Math.sqrt(hidden))),
      floatTensor('b2', [output], pattern(output, 0.1)),
    ],
    inputs: [tensorInfo('x', DataType.FLOAT, ['batch', input])],
    outputs: [tensorInfo('y', DataType.FLOAT, ['batch', output])],
  });
}

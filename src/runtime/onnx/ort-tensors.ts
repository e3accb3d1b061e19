/** Wire tensors <-> ONNX Runtime tensors, shared by the worker and the inline runner. */
import ort from 'onnxruntime-node';
import type { WireTensor } from './protocol.js';

export function toOrtFeeds(feeds: Record<string, WireTensor>): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(feeds)) out[name] = new ort.Tensor(t.type as ort.Tensor.Type, t.data, t.dims);
  return out;
}

export function fromOrtResults(results: ort.InferenceSession.OnnxValueMapType, names: readonly string[]): Record<string, WireTensor> {
  const outputs: Record<string, WireTensor> = {};
  for (const name of names) {
    const t = results[name];
    if (t) outputs[name] = { type: t.type, dims: [...t.dims], data: t.data };
  }
  return outputs;
}

export function sessionOptions(executionProvider: string, intraOpThreads: number): ort.InferenceSession.SessionOptions {
  return { executionProviders: [executionProvider], intraOpNumThreads: intraOpThreads, interOpNumThreads: 1, graphOptimizationLevel: 'all' };
}

/**
 * Exports the profile models' graphs as JSON for scripts/sim/profile-measure-gpu.py, which
 * re-implements them in PyTorch on a GPU machine (onnxruntime-node here has no CUDA provider).
 * Each graph carries a reference output computed here by onnxruntime-node, so the PyTorch
 * version is checked to compute the same function before it is timed.
 *
 *   node --import tsx scripts/sim/export-graph.ts OUT.json
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';
import ort from 'onnxruntime-node';
import { MLP_DIMS, mlpModel } from './mlp-model.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const { onnx } = onnxProto;

interface ExportedInit {
  name: string;
  dims: number[];
  dtype: 'float32' | 'int64';
  data_b64?: string;
  pattern_scale?: number;
}

function b64(bytes: ArrayBufferView): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

async function exportModel(model: string, bytes: Uint8Array, input: string, width: number, patterns: Record<string, number>): Promise<unknown> {
  const proto = onnx.ModelProto.decode(bytes);
  const graph = proto.graph!;
  const inits: ExportedInit[] = (graph.initializer ?? []).map((t) => {
    const dims = (t.dims ?? []).map(Number);
    const dtype = t.dataType === onnx.TensorProto.DataType.INT64 ? 'int64' : 'float32';
    const scale = patterns[t.name!];
    return scale !== undefined ? { name: t.name!, dims, dtype, pattern_scale: scale } : { name: t.name!, dims, dtype, data_b64: b64(t.rawData!) };
  });
  const nodes = (graph.node ?? []).map((n) => ({
    op: n.opType!,
    inputs: n.input ?? [],
    outputs: n.output ?? [],
    attrs: Object.fromEntries((n.attribute ?? []).map((a) => [a.name!, a.type === onnx.AttributeProto.AttributeType.FLOAT ? a.f! : Number(a.i ?? 0)])),
  }));
  const rows = 3;
  const data = new Float32Array(rows * width);
  for (let i = 0; i < data.length; i++) data[i] = (((i * 37) % 23) / 23) * (i % 2 === 0 ? 1 : 5);
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], intraOpNumThreads: 1 });
  const result = await session.run({ [input]: new ort.Tensor('float32', data, [rows, width]) });
  await session.release();
  const outputs = Object.fromEntries(
    (graph.output ?? []).map((o) => [o.name!, b64(result[o.name!]!.data as Float32Array)]),
  );
  return { model, input, width, initializers: inits, nodes, outputs: (graph.output ?? []).map((o) => o.name!), reference: { rows, input_b64: b64(data), outputs } };
}

const out = process.argv[2];
if (!out) throw new Error('usage: export-graph.ts OUT.json');
const sensor = readFileSync(join(ROOT, 'models/sensor-anomaly/1/model.onnx'));
const graphs = [
  await exportModel('sensor-anomaly', sensor, 'features', 8, {}),
  await exportModel('mlp-8m', mlpModel(), 'x', MLP_DIMS.input, { w1: 2 / Math.sqrt(MLP_DIMS.input), b1: 0.1, w2: 2 / Math.sqrt(MLP_DIMS.hidden), b2: 0.1 }),
];
writeFileSync(out, JSON.stringify({ graphs }));
process.stderr.write(`wrote ${out}\n`);

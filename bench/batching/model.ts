/**
 * The benchmark's model: a dense MLP (Gemm + Relu layers, FP32, dynamic batch dimension) with
 * seeded weights, built with onnx-proto at bench time and written into a temporary model
 * repository. Nothing here is committed: the file is ~100 MB at the default size.
 */
import { createHash } from 'node:crypto';
import { linkSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;

export interface MlpSpec {
  /** Layer widths, input first: [1024, 4096, 4096, 1024] is three Gemm layers. */
  readonly widths: readonly number[];
  readonly seed: number;
}

export const INPUT_NAME = 'x';
export const OUTPUT_NAME = 'y';

/** mulberry32: a small, fast, seeded PRNG; the same seed always builds the same bytes. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Multiply-adds per item (one row through every layer). */
export function macsPerItem(spec: MlpSpec): number {
  let macs = 0;
  for (let i = 1; i < spec.widths.length; i++) macs += spec.widths[i - 1]! * spec.widths[i]!;
  return macs;
}

function dims(batch: string, width: number): onnxProto.onnx.ITypeProto {
  return { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: batch }, { dimValue: width }] } } };
}

/**
 * Builds the ONNX bytes. Weights are uniform in ±sqrt(3 / fan_in) (unit variance in, about unit
 * variance out before the Relu), biases small, so activations stay finite at any depth.
 */
export function buildMlp(spec: MlpSpec): Uint8Array {
  if (spec.widths.length < 2) throw new Error('an MLP needs at least an input and an output width');
  const random = seededRandom(spec.seed);
  const initializer: onnxProto.onnx.ITensorProto[] = [];
  const node: onnxProto.onnx.INodeProto[] = [];
  const layers = spec.widths.length - 1;
  let current = INPUT_NAME;
  for (let l = 0; l < layers; l++) {
    const fanIn = spec.widths[l]!;
    const fanOut = spec.widths[l + 1]!;
    const bound = Math.sqrt(3 / fanIn);
    const weights = new Float32Array(fanIn * fanOut);
    for (let i = 0; i < weights.length; i++) weights[i] = (random() * 2 - 1) * bound;
    const bias = new Float32Array(fanOut);
    for (let i = 0; i < bias.length; i++) bias[i] = (random() * 2 - 1) * 0.01;
    initializer.push(
      { name: `w${l}`, dims: [fanIn, fanOut], dataType: FLOAT, rawData: new Uint8Array(weights.buffer) },
      { name: `b${l}`, dims: [fanOut], dataType: FLOAT, rawData: new Uint8Array(bias.buffer) },
    );
    const last = l === layers - 1;
    const gemmOut = last ? OUTPUT_NAME : `g${l}`;
    node.push({ opType: 'Gemm', input: [current, `w${l}`, `b${l}`], output: [gemmOut], name: `gemm${l}` });
    if (!last) {
      node.push({ opType: 'Relu', input: [gemmOut], output: [`h${l}`], name: `relu${l}` });
      current = `h${l}`;
    }
  }
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'switchyard-bench',
    graph: {
      name: 'bench_mlp',
      initializer,
      node,
      input: [{ name: INPUT_NAME, type: dims('batch', spec.widths[0]!) }],
      output: [{ name: OUTPUT_NAME, type: dims('batch', spec.widths.at(-1)!) }],
    },
  }).finish();
}

export interface VersionSettings {
  readonly maxBatchSize: number;
  readonly latencyClass: 'realtime' | 'throughput';
  readonly policy: 'adaptive' | 'fixed';
  readonly maxQueueDelayMs: { readonly realtime: number; readonly throughput: number };
  readonly intraOpThreads: number;
}

/** What model.yaml needs to know of a benchmark model: one flat FP32 row in, one out. */
export interface RowModel {
  readonly description: string;
  readonly inDim: number;
  readonly outDim: number;
}

export function mlpRowModel(spec: MlpSpec): RowModel {
  return { description: `Benchmark MLP ${spec.widths.join('-')} (Gemm + Relu, seeded weights, seed ${spec.seed}).`, inDim: spec.widths[0]!, outDim: spec.widths.at(-1)! };
}

/** model.yaml for a benchmark model (see docs/models.md), pinning the artifact's digest. */
export function modelYaml(model: RowModel, bytes: Uint8Array, settings: VersionSettings): string {
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const { inDim, outDim } = model;
  return [
    '# Written by bench/batching.ts for one run; not committed.',
    `description: ${model.description}`,
    'backend: onnx',
    'artifact: model.onnx',
    `digest: ${digest}`,
    `latency_class: ${settings.latencyClass}`,
    `max_batch_size: ${settings.maxBatchSize}`,
    'batching:',
    `  policy: ${settings.policy}`,
    '  max_queue_delay_ms:',
    `    realtime: ${settings.maxQueueDelayMs.realtime}`,
    `    throughput: ${settings.maxQueueDelayMs.throughput}`,
    'inputs:',
    `  - { name: ${INPUT_NAME}, datatype: FP32, shape: [-1, ${inDim}], batch_axis: 0 }`,
    'outputs:',
    `  - { name: ${OUTPUT_NAME}, datatype: FP32, shape: [-1, ${outDim}], batch_axis: 0 }`,
    'onnx:',
    '  execution_provider: cpu',
    `  intra_op_threads: ${settings.intraOpThreads}`,
    '',
  ].join('\n');
}

/**
 * Writes `<root>/<name>/1/{model.onnx,model.yaml}` and returns the artifact's path. With
 * `sameAs` (an artifact written before with the same bytes) the file is a hard link to it, so
 * two versions of a large model cost its size once on disk.
 */
export function writeModelVersion(root: string, name: string, model: RowModel, bytes: Uint8Array, settings: VersionSettings, sameAs?: string): string {
  const dir = join(root, name, '1');
  mkdirSync(dir, { recursive: true });
  const artifact = join(dir, 'model.onnx');
  let linked = false;
  if (sameAs !== undefined) {
    try {
      linkSync(sameAs, artifact);
      linked = true;
    } catch {
      // Another file system or no hard links: write a copy.
    }
  }
  if (!linked) writeFileSync(artifact, bytes);
  writeFileSync(join(dir, 'model.yaml'), modelYaml(model, bytes, settings));
  return artifact;
}

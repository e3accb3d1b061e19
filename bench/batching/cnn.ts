/**
 * A small convolutional image classifier (Conv + Relu stages, global average pooling, a Gemm
 * head; FP32, dynamic batch), built with onnx-proto from seeded weights. It stands for the
 * vision models the batching benchmark is about: compute-bound convolutions of a few
 * milliseconds per image, where HTTP is a small share of each request's cost. The input is a
 * flat row of C*H*W values (reshaped in the graph), so the load generator treats it like any row.
 */
import onnxProto from 'onnx-proto';
import { INPUT_NAME, OUTPUT_NAME, seededRandom } from './model.js';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

export interface CnnStage {
  readonly channels: number;
  readonly stride: number;
}

export interface CnnSpec {
  /** Square input images of `inputChannels` x size x size. */
  readonly size: number;
  readonly inputChannels: number;
  /** 3x3 convolutions, each followed by a Relu. */
  readonly stages: readonly CnnStage[];
  readonly classes: number;
  readonly seed: number;
}

/** The default: 3x64x64 images, five 3x3 stages (48 to 384 channels), 10 classes: ~119 M multiply-adds per image. */
export const DEFAULT_CNN: Omit<CnnSpec, 'seed'> = {
  size: 64,
  inputChannels: 3,
  stages: [
    { channels: 48, stride: 2 },
    { channels: 96, stride: 2 },
    { channels: 192, stride: 1 },
    { channels: 192, stride: 2 },
    { channels: 384, stride: 1 },
  ],
  classes: 10,
};

export function cnnInDim(spec: CnnSpec): number {
  return spec.inputChannels * spec.size * spec.size;
}

/** Multiply-adds per image: each stage's output pixels x output channels x (3 x 3 x input channels), plus the head. */
export function cnnMacsPerItem(spec: CnnSpec): number {
  let size = spec.size;
  let channels = spec.inputChannels;
  let macs = 0;
  for (const stage of spec.stages) {
    size = Math.ceil(size / stage.stride);
    macs += size * size * stage.channels * 9 * channels;
    channels = stage.channels;
  }
  return macs + channels * spec.classes;
}

function uniform(random: () => number, count: number, bound: number): Float32Array {
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = (random() * 2 - 1) * bound;
  return values;
}

/** Weights are He-uniform (variance 2 / fan_in), so activations stay in range through the Relus. */
export function buildCnn(spec: CnnSpec): Uint8Array {
  const random = seededRandom(spec.seed);
  const initializer: onnxProto.onnx.ITensorProto[] = [
    { name: 'image_shape', dims: [4], dataType: INT64, int64Data: [-1, spec.inputChannels, spec.size, spec.size] },
  ];
  const node: onnxProto.onnx.INodeProto[] = [{ opType: 'Reshape', input: [INPUT_NAME, 'image_shape'], output: ['image'], name: 'to_image' }];
  let current = 'image';
  let channels = spec.inputChannels;
  spec.stages.forEach((stage, i) => {
    const fanIn = channels * 9;
    const weights = uniform(random, stage.channels * fanIn, Math.sqrt(6 / fanIn));
    const bias = uniform(random, stage.channels, 0.01);
    initializer.push(
      { name: `conv${i}_w`, dims: [stage.channels, channels, 3, 3], dataType: FLOAT, rawData: new Uint8Array(weights.buffer) },
      { name: `conv${i}_b`, dims: [stage.channels], dataType: FLOAT, rawData: new Uint8Array(bias.buffer) },
    );
    node.push(
      {
        opType: 'Conv',
        input: [current, `conv${i}_w`, `conv${i}_b`],
        output: [`conv${i}`],
        name: `conv${i}`,
        attribute: [
          { name: 'kernel_shape', type: onnx.AttributeProto.AttributeType.INTS, ints: [3, 3] },
          { name: 'pads', type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 1, 1, 1] },
          { name: 'strides', type: onnx.AttributeProto.AttributeType.INTS, ints: [stage.stride, stage.stride] },
        ],
      },
      { opType: 'Relu', input: [`conv${i}`], output: [`relu${i}`], name: `relu${i}` },
    );
    current = `relu${i}`;
    channels = stage.channels;
  });
  const headWeights = uniform(random, channels * spec.classes, Math.sqrt(3 / channels));
  const headBias = uniform(random, spec.classes, 0.01);
  initializer.push(
    { name: 'head_w', dims: [channels, spec.classes], dataType: FLOAT, rawData: new Uint8Array(headWeights.buffer) },
    { name: 'head_b', dims: [spec.classes], dataType: FLOAT, rawData: new Uint8Array(headBias.buffer) },
  );
  node.push(
    { opType: 'GlobalAveragePool', input: [current], output: ['pooled'], name: 'pool' },
    { opType: 'Flatten', input: ['pooled'], output: ['features'], name: 'flatten' },
    { opType: 'Gemm', input: ['features', 'head_w', 'head_b'], output: [OUTPUT_NAME], name: 'head' },
  );
  const row = (width: number): onnxProto.onnx.ITypeProto => ({ tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: 'batch' }, { dimValue: width }] } } });
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'switchyard-bench',
    graph: { name: 'bench_cnn', initializer, node, input: [{ name: INPUT_NAME, type: row(cnnInDim(spec)) }], output: [{ name: OUTPUT_NAME, type: row(spec.classes) }] },
  }).finish();
}

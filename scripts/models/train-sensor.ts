/**
 * Trains the `sensor-anomaly` classifier: a small MLP
 * (8 -> 32 ReLU -> 16 ReLU -> 5 softmax) with TensorFlow.js layers on the pure
 * JavaScript CPU backend.
 *
 * Reproducibility matters more than speed here, because the trained weights
 * are committed and the build must produce identical bytes on every run:
 *  - weights start from seeded Glorot initialisers (biases at zero);
 *  - mini-batch order comes from our seeded Prng, not tfjs's Math.random
 *    shuffle (we call trainOnBatch ourselves);
 *  - the epoch count is fixed (no early stopping on wall-clock or noise);
 *  - the CPU backend is plain JS float32 maths, deterministic for a given
 *    op sequence.
 *
 * Inputs are standardised with the training split's mean/std. The network
 * itself only ever sees standardised data; the ONNX exporter bakes the same
 * mean/std into the graph so callers send raw sensor values.
 */

import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';

import { Prng } from './prng.js';
import type { Sample } from './sensor-data.js';

export interface TrainConfig {
  seed: number;
  hiddenUnits: readonly number[];
  epochs: number;
  batchSize: number;
  learningRate: number;
}

export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  seed: 7,
  hiddenUnits: [32, 16],
  epochs: 40,
  batchSize: 64,
  learningRate: 0.003,
};

/** One dense layer's parameters: kernel is row-major [inputs, units]. */
export interface DenseWeights {
  inputs: number;
  units: number;
  kernel: Float32Array;
  bias: Float32Array;
  activation: 'relu' | 'softmax';
}

export interface TrainedModel {
  /** Per-feature mean and standard deviation of the training split. */
  mean: number[];
  std: number[];
  layers: DenseWeights[];
  /** Class probabilities from the tfjs model for raw (unstandardised) rows. */
  predict(rows: readonly number[][]): Float32Array[];
  /** Final-epoch mean training loss, for the build log. */
  finalLoss: number;
}

export async function trainSensorModel(train: readonly Sample[], classes: number, config: TrainConfig = DEFAULT_TRAIN_CONFIG): Promise<TrainedModel> {
  // Production mode skips tfjs's debug checks and its "install tfjs-node"
  // console banner; tfjs-node is deliberately not a dependency.
  tf.enableProdMode();
  await tf.setBackend('cpu');
  await tf.ready();

  const featureCount = train[0]?.features.length ?? 0;
  const { mean, std } = standardisation(train.map((s) => s.features));
  const standardise = (row: readonly number[]): number[] => row.map((v, j) => (v - (mean[j] ?? 0)) / (std[j] ?? 1));

  const model = tfl.sequential();
  const widths = [...config.hiddenUnits, classes];
  widths.forEach((units, i) => {
    const last = i === widths.length - 1;
    model.add(
      tfl.layers.dense({
        units,
        activation: last ? 'softmax' : 'relu',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: config.seed + i }),
        biasInitializer: 'zeros',
        ...(i === 0 ? { inputShape: [featureCount] } : {}),
      }),
    );
  });
  model.compile({ optimizer: tf.train.adam(config.learningRate), loss: 'categoricalCrossentropy' });

  const xs = train.map((s) => standardise(s.features));
  const ys = train.map((s) => s.label);
  const rng = new Prng(config.seed);
  const order = xs.map((_, i) => i);
  let finalLoss = Number.NaN;
  for (let epoch = 0; epoch < config.epochs; epoch++) {
    rng.shuffle(order);
    let lossSum = 0;
    let batches = 0;
    for (let start = 0; start < order.length; start += config.batchSize) {
      const idx = order.slice(start, start + config.batchSize);
      const x = tf.tensor2d(idx.map((i) => xs[i] ?? []), [idx.length, featureCount]);
      const y = tf.tensor2d(idx.map((i) => oneHot(ys[i] ?? 0, classes)), [idx.length, classes]);
      const value = await model.trainOnBatch(x, y);
      tf.dispose([x, y]);
      lossSum += Array.isArray(value) ? (value[0] ?? 0) : value;
      batches++;
    }
    finalLoss = lossSum / batches;
  }

  const layers: DenseWeights[] = model.layers.map((layer, i) => {
    const [kernel, bias] = layer.getWeights();
    if (!kernel || !bias) throw new Error(`layer ${i} has no kernel/bias`);
    const [inputs, units] = kernel.shape;
    return {
      inputs: inputs ?? 0,
      units: units ?? 0,
      kernel: Float32Array.from(kernel.dataSync()),
      bias: Float32Array.from(bias.dataSync()),
      activation: i === widths.length - 1 ? 'softmax' : 'relu',
    };
  });

  const predict = (rows: readonly number[][]): Float32Array[] =>
    tf.tidy(() => {
      const out = model.predict(tf.tensor2d(rows.map(standardise), [rows.length, featureCount])) as tf.Tensor;
      const flat = out.dataSync();
      return rows.map((_, r) => Float32Array.from(flat.subarray(r * classes, (r + 1) * classes)));
    });

  return { mean, std, layers, predict, finalLoss };
}

function oneHot(label: number, classes: number): number[] {
  return Array.from({ length: classes }, (_, c) => (c === label ? 1 : 0));
}

/** Column means and (population) standard deviations; a zero std becomes 1. */
function standardisation(rows: readonly number[][]): { mean: number[]; std: number[] } {
  const n = rows.length;
  const d = rows[0]?.length ?? 0;
  const mean = new Array<number>(d).fill(0);
  const std = new Array<number>(d).fill(0);
  for (const row of rows) row.forEach((v, j) => (mean[j] = (mean[j] ?? 0) + v / n));
  for (const row of rows) row.forEach((v, j) => (std[j] = (std[j] ?? 0) + (v - (mean[j] ?? 0)) ** 2 / n));
  return { mean, std: std.map((v) => (v > 0 ? Math.sqrt(v) : 1)) };
}

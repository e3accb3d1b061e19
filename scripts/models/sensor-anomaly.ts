/**
 * Builds the `sensor-anomaly` model version end to end:
 * simulate data -> train (tfjs) -> export ONNX -> verify the ONNX against
 * tfjs with onnxruntime -> evaluate on the held-out split -> pick examples.
 *
 * The build fails if the exported graph disagrees with the trained network
 * (max abs difference >= 1e-4 on any held-out probability), so a broken
 * exporter can never ship a model that merely "loads".
 */

import ort from 'onnxruntime-node';

import { argmax, binaryReport, multiclassReport, round4 } from './metrics.js';
import type { ModelVersionSpec } from './repository.js';
import { toJson } from './repository.js';
import { CLASSES, DEFAULT_PARAMS, FEATURES, SAMPLE_RATE_HZ, WINDOW_SAMPLES, generateDataset } from './sensor-data.js';
import type { Sample } from './sensor-data.js';
import { exportSensorOnnx } from './sensor-onnx.js';
import { rulesAccuracy, sensorDriftReference, sensorThresholdRules } from './sensor-fallbacks.js';
import { DEFAULT_TRAIN_CONFIG, trainSensorModel } from './train-sensor.js';

const TOLERANCE = 1e-4;
const THRESHOLD = 0.5;

export async function sensorAnomalySpec(log: (msg: string) => void = () => {}): Promise<ModelVersionSpec> {
  const params = DEFAULT_PARAMS;
  const trainConfig = DEFAULT_TRAIN_CONFIG;

  let t = Date.now();
  const { train, test } = generateDataset(params);
  log(`sensor-anomaly: simulated ${train.length} train + ${test.length} test windows (${Date.now() - t} ms)`);

  t = Date.now();
  const trained = await trainSensorModel(train, CLASSES.length, trainConfig);
  log(`sensor-anomaly: trained ${trainConfig.epochs} epochs, final loss ${trained.finalLoss.toFixed(4)} (${Date.now() - t} ms)`);

  const artifact = exportSensorOnnx({
    mean: trained.mean,
    std: trained.std,
    layers: trained.layers,
    featureNames: FEATURES.map((f) => f.name),
    classNames: CLASSES,
  });

  // Run the exported graph on the raw held-out rows.
  const rows = test.map((s) => s.features);
  const onnxOut = await runOnnx(artifact, rows);
  const tfjsProbs = trained.predict(rows);
  let maxDiff = 0;
  tfjsProbs.forEach((p, r) => {
    p.forEach((v, c) => (maxDiff = Math.max(maxDiff, Math.abs(v - (onnxOut.probabilities[r]?.[c] ?? Number.NaN)))));
    maxDiff = Math.max(maxDiff, Math.abs(1 - (p[0] ?? 0) - (onnxOut.anomalyScores[r] ?? Number.NaN)));
  });
  if (!(maxDiff < TOLERANCE)) {
    throw new Error(`sensor-anomaly: ONNX export disagrees with tfjs: max abs diff ${maxDiff} >= ${TOLERANCE}`);
  }
  log(`sensor-anomaly: ONNX matches tfjs on ${rows.length} held-out rows (max abs diff ${maxDiff.toExponential(2)})`);

  // Evaluate what is actually served: the ONNX outputs.
  const labels = test.map((s) => s.label);
  const predicted = onnxOut.probabilities.map((p) => argmax(p));
  const multi = multiclassReport(labels, predicted, CLASSES);
  const binary = binaryReport(labels.map((y) => y !== 0), onnxOut.anomalyScores, THRESHOLD);
  log(`sensor-anomaly: held-out accuracy ${multi.accuracy}, anomaly precision ${binary.precision} recall ${binary.recall}`);

  const evaluation = {
    model: 'sensor-anomaly',
    version: 1,
    dataset: {
      generator: 'scripts/models/sensor-data.ts',
      seed: params.seed,
      windows: params.windows,
      normal_fraction: params.normalFraction,
      test_fraction: params.testFraction,
      split: 'stratified per class, shuffled with the seeded PRNG',
      vibration_sample_rate_hz: SAMPLE_RATE_HZ,
      vibration_window_samples: WINDOW_SAMPLES,
      features: FEATURES.map((f) => ({ name: f.name, unit: f.unit })),
      classes: CLASSES,
      train_size: train.length,
      test_size: test.length,
      train_class_counts: classCounts(train),
      test_class_counts: classCounts(test),
    },
    training: {
      framework: 'tfjs-layers 4.22.0, CPU backend',
      architecture: `${FEATURES.length} -> ${trainConfig.hiddenUnits.map((u) => `${u} relu`).join(' -> ')} -> ${CLASSES.length} softmax`,
      seed: trainConfig.seed,
      epochs: trainConfig.epochs,
      batch_size: trainConfig.batchSize,
      optimizer: 'adam',
      learning_rate: trainConfig.learningRate,
      loss: 'categorical_crossentropy',
      final_train_loss: round4(trained.finalLoss),
    },
    held_out: {
      size: test.length,
      accuracy: multi.accuracy,
      per_class: multi.per_class,
      confusion_matrix: { rows: 'true class', columns: 'predicted class', order: CLASSES, counts: multi.confusion_matrix },
      anomaly_detection: { score: 'anomaly_score = 1 - P(normal)', positive: 'any fault class', ...binary },
    },
    onnx_verification: {
      runtime: 'onnxruntime-node',
      rows: rows.length,
      tolerance: TOLERANCE,
      // An order of magnitude, not the raw value, so the file does not change
      // with the CPU's floating-point kernels.
      max_abs_diff_below: 10 ** Math.ceil(Math.log10(Math.max(maxDiff, 1e-12))),
    },
  };

  const examples = pickExamples(test, onnxOut.anomalyScores, predicted);
  const fallbackRules = sensorThresholdRules(train);
  log(`sensor-anomaly: fallback threshold rules, held-out accuracy ${rulesAccuracy(fallbackRules.rules, test)}`);

  return {
    name: 'sensor-anomaly',
    version: 1,
    description: 'Predictive-maintenance classifier for a pump set: from vibration, temperature and current readings it returns fault probabilities and an anomaly score.',
    latencyClass: 'realtime',
    maxBatchSize: 256,
    inputs: [
      {
        name: 'features',
        datatype: 'FP32',
        shape: [-1, FEATURES.length],
        batch_axis: 0,
        description: `one row per measurement window, raw values in this order: ${FEATURES.map((f) => `${f.name} (${f.unit})`).join(', ')}`,
      },
    ],
    outputs: [
      { name: 'anomaly_score', datatype: 'FP32', shape: [-1, 1], batch_axis: 0, description: `1 - P(normal); alert at >= ${THRESHOLD}` },
      { name: 'fault_probabilities', datatype: 'FP32', shape: [-1, CLASSES.length], batch_axis: 0, description: `class probabilities in this order: ${CLASSES.join(', ')}` },
    ],
    metadata: {
      source: 'trained by scripts/models/train-sensor.ts on simulated data (scripts/models/sensor-data.ts)',
      license: 'Apache-2.0',
      classes: CLASSES.join(','),
      features: FEATURES.map((f) => f.name).join(','),
      dataset_seed: params.seed,
      held_out_accuracy: multi.accuracy,
      anomaly_precision: binary.precision,
      anomaly_recall: binary.recall,
      anomaly_threshold: THRESHOLD,
    },
    artifact,
    // When the model cannot answer: a recent answer to the same input, else the threshold rules.
    fallbacks: [
      { kind: 'cache', max_entries: 10000, max_bytes: 8 * 1024 * 1024, ttl_s: 600 },
      { kind: 'rules', file: 'fallback-rules.json' },
      { kind: 'static', outputs: { anomaly_score: [0.5], fault_probabilities: [0.5, 0.125, 0.125, 0.125, 0.125] } },
    ],
    driftReference: 'reference.json',
    extraFiles: {
      'evaluation.json': toJson(evaluation),
      'examples.json': toJson(examples),
      'fallback-rules.json': fallbackRules.json,
      'reference.json': sensorDriftReference(test, onnxOut.anomalyScores, onnxOut.probabilities),
    },
  };
}

async function runOnnx(artifact: Uint8Array, rows: readonly number[][]): Promise<{ probabilities: Float32Array[]; anomalyScores: number[] }> {
  const session = await ort.InferenceSession.create(artifact, { intraOpNumThreads: 1 });
  try {
    const d = rows[0]?.length ?? 0;
    const input = new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, d]);
    const out = await session.run({ features: input });
    const probs = out.fault_probabilities?.data;
    const scores = out.anomaly_score?.data;
    if (!(probs instanceof Float32Array) || !(scores instanceof Float32Array)) throw new Error('sensor-anomaly: unexpected ONNX outputs');
    const k = probs.length / rows.length;
    return {
      probabilities: rows.map((_, r) => probs.slice(r * k, (r + 1) * k)),
      anomalyScores: Array.from(scores),
    };
  } finally {
    await session.release();
  }
}

function classCounts(samples: readonly Sample[]): Record<string, number> {
  return Object.fromEntries(CLASSES.map((c, i) => [c, samples.filter((s) => s.label === i).length]));
}

/**
 * A small labelled sample for tests and docs: held-out rows the model gets
 * right with a clear margin (normal: score < 0.2; faults: score > 0.8 and the
 * right class). They demonstrate the contract; they are not an evaluation.
 */
function pickExamples(test: readonly Sample[], scores: readonly number[], predicted: readonly number[]) {
  const perClass = (c: number): number => (c === 0 ? 4 : 2);
  const chosen: Array<{ label: string; class_index: number; anomalous: boolean; features: number[] }> = [];
  CLASSES.forEach((name, c) => {
    let taken = 0;
    test.forEach((s, i) => {
      if (taken >= perClass(c) || s.label !== c || predicted[i] !== c) return;
      const score = scores[i] ?? 0;
      if (c === 0 ? score < 0.2 : score > 0.8) {
        chosen.push({ label: name, class_index: c, anomalous: c !== 0, features: s.features });
        taken++;
      }
    });
  });
  return {
    description: 'Held-out sensor-anomaly rows the model classifies correctly with a clear margin. Raw feature values, in input order.',
    features: FEATURES.map((f) => `${f.name} (${f.unit})`),
    classes: CLASSES,
    examples: chosen,
  };
}

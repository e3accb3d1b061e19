/**
 * Checks the committed demo model repository (models/) directly with
 * onnxruntime-node, without the server: digests match the artifacts, the
 * graphs declare what model.yaml promises, and each model behaves as
 * documented. Rebuild the repository with `npm run models:build`.
 */

import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import assert from 'node:assert/strict';

import ort from 'onnxruntime-node';
import YAML from 'yaml';

import { FRAME_SAMPLES, SAMPLE_RATE, makeNoiseFrames, makeSpeechFrames } from '../../scripts/models/speech-signal.js';

const MODELS = fileURLToPath(new URL('../../models/', import.meta.url));

interface TensorContract {
  name: string;
  datatype: string;
  shape: number[];
  batch_axis?: number;
}
interface ModelYaml {
  description: string;
  backend: string;
  artifact: string;
  digest: string;
  latency_class: string;
  max_batch_size: number;
  inputs: TensorContract[];
  outputs: TensorContract[];
  metadata: Record<string, string | number>;
}

function versionDir(name: string): string {
  return join(MODELS, name, '1');
}
function readContract(name: string): ModelYaml {
  return YAML.parse(readFileSync(join(versionDir(name), 'model.yaml'), 'utf8')) as ModelYaml;
}
async function openSession(name: string): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(join(versionDir(name), readContract(name).artifact), { intraOpNumThreads: 1 });
}
function floats(t: ort.Tensor | undefined): Float32Array {
  assert.ok(t && t.data instanceof Float32Array, 'expected a float32 tensor');
  return t.data;
}

const EXPECTED_MODELS = ['identity', 'sensor-anomaly', 'silero-vad'];

void test('the repository holds the three demo models, version 1 each', () => {
  for (const name of EXPECTED_MODELS) {
    const files = readdirSync(versionDir(name));
    assert.ok(files.includes('model.yaml') && files.includes('model.onnx'), `${name}/1 has model.yaml and model.onnx`);
  }
});

for (const name of EXPECTED_MODELS) {
  void test(`${name}: model.yaml digest matches the artifact's SHA-256`, () => {
    const contract = readContract(name);
    assert.equal(contract.backend, 'onnx');
    assert.match(contract.digest, /^sha256:[0-9a-f]{64}$/);
    const bytes = readFileSync(join(versionDir(name), contract.artifact));
    assert.equal(contract.digest, `sha256:${createHash('sha256').update(bytes).digest('hex')}`);
  });

  void test(`${name}: the graph declares the inputs and outputs model.yaml lists`, async () => {
    const contract = readContract(name);
    const session = await openSession(name);
    try {
      assert.deepEqual(session.inputNames, contract.inputs.map((t) => t.name));
      assert.deepEqual(session.outputNames, contract.outputs.map((t) => t.name));
      for (const [declared, actual] of [
        [contract.inputs, session.inputMetadata],
        [contract.outputs, session.outputMetadata],
      ] as const) {
        declared.forEach((t, i) => {
          const meta = actual[i];
          assert.ok(meta?.isTensor, `${t.name} is a tensor`);
          assert.equal(meta.shape.length, t.shape.length, `${t.name} rank`);
          if (t.batch_axis !== undefined) assert.equal(t.shape[t.batch_axis], -1, `${t.name} batch axis is variable`);
        });
      }
    } finally {
      await session.release();
    }
  });
}

void test('identity returns its input unchanged', async () => {
  const session = await openSession('identity');
  try {
    for (const [rows, width] of [[1, 1], [3, 7], [64, 128]] as const) {
      const data = Float32Array.from({ length: rows * width }, (_, i) => Math.sin(i) * 1e3);
      const out = await session.run({ input: new ort.Tensor('float32', data, [rows, width]) });
      assert.deepEqual(out.output?.dims, [rows, width]);
      assert.deepEqual(floats(out.output), data);
    }
  } finally {
    await session.release();
  }
});

interface Examples {
  classes: string[];
  examples: Array<{ label: string; class_index: number; anomalous: boolean; features: number[] }>;
}

void test('sensor-anomaly scores the labelled examples correctly', async () => {
  const { classes, examples } = JSON.parse(readFileSync(join(versionDir('sensor-anomaly'), 'examples.json'), 'utf8')) as Examples;
  const contract = readContract('sensor-anomaly');
  assert.equal(contract.metadata.classes, classes.join(','));
  assert.ok(examples.some((e) => !e.anomalous) && examples.some((e) => e.anomalous), 'examples cover normal and faulty rows');
  assert.deepEqual(new Set(examples.map((e) => e.label)), new Set(classes), 'every class has an example');

  const session = await openSession('sensor-anomaly');
  try {
    // One batch with every example: raw feature values, no client-side scaling.
    const width = examples[0]?.features.length ?? 0;
    const input = new ort.Tensor('float32', Float32Array.from(examples.flatMap((e) => e.features)), [examples.length, width]);
    const out = await session.run({ features: input });
    assert.deepEqual(out.anomaly_score?.dims, [examples.length, 1]);
    assert.deepEqual(out.fault_probabilities?.dims, [examples.length, classes.length]);
    const scores = floats(out.anomaly_score);
    const probs = floats(out.fault_probabilities);

    examples.forEach((e, r) => {
      const p = Array.from(probs.subarray(r * classes.length, (r + 1) * classes.length));
      const score = scores[r] ?? Number.NaN;
      assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-5, 'probabilities sum to 1');
      assert.ok(Math.abs(score - (1 - (p[0] ?? 0))) < 1e-6, 'anomaly_score = 1 - P(normal)');
      if (e.anomalous) assert.ok(score > 0.5, `example ${r} (${e.label}) should score high, got ${score}`);
      else assert.ok(score < 0.5, `example ${r} (normal) should score low, got ${score}`);
      assert.equal(p.indexOf(Math.max(...p)), e.class_index, `example ${r} argmax should be ${e.label}`);
    });
  } finally {
    await session.release();
  }
});

/** Runs frames of one stream through Silero VAD, carrying h/c, and returns the per-frame speech probabilities. */
async function vadProbabilities(session: ort.InferenceSession, frames: readonly Float32Array[]): Promise<number[]> {
  let h: ort.Tensor = new ort.Tensor('float32', new Float32Array(2 * 64), [2, 1, 64]);
  let c: ort.Tensor = new ort.Tensor('float32', new Float32Array(2 * 64), [2, 1, 64]);
  const sr = new ort.Tensor('int64', BigInt64Array.from([BigInt(SAMPLE_RATE)]), []);
  const probabilities: number[] = [];
  for (const frame of frames) {
    const out = await session.run({ input: new ort.Tensor('float32', frame, [1, FRAME_SAMPLES]), sr, h, c });
    assert.ok(out.hn && out.cn);
    h = out.hn;
    c = out.cn;
    probabilities.push(floats(out.output)[0] ?? Number.NaN);
  }
  return probabilities;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

void test('silero-vad: silence and quiet noise are not speech', async () => {
  const session = await openSession('silero-vad');
  try {
    for (const [label, frames] of [
      ['digital silence', makeNoiseFrames(30, 0)],
      ['-60 dBFS noise', makeNoiseFrames(30, 0.001, 3)],
    ] as const) {
      const p = await vadProbabilities(session, frames);
      assert.ok(Math.max(...p) < 0.2, `${label}: max speech probability ${Math.max(...p)} should be < 0.2`);
    }
  } finally {
    await session.release();
  }
});

void test('silero-vad: synthetic voiced speech is detected once the state has warmed up', async () => {
  const session = await openSession('silero-vad');
  try {
    for (const options of [{ seed: 1, f0: 120 }, { seed: 2, f0: 150 }, { seed: 3, f0: 200 }]) {
      const p = await vadProbabilities(session, makeSpeechFrames(40, options));
      const warm = p.slice(8); // ~0.26 s of context
      assert.ok(Math.max(...warm) > 0.9, `${JSON.stringify(options)}: max ${Math.max(...warm)} should be > 0.9`);
      assert.ok(mean(warm) > 0.5, `${JSON.stringify(options)}: mean ${mean(warm)} should be > 0.5`);
    }
  } finally {
    await session.release();
  }
});

void test('silero-vad: batched streams keep separate state along batch axis 1', async () => {
  const session = await openSession('silero-vad');
  try {
    const speech = makeSpeechFrames(24, { seed: 4 });
    const silence = makeNoiseFrames(24, 0.001, 5);
    let h: ort.Tensor = new ort.Tensor('float32', new Float32Array(2 * 2 * 64), [2, 2, 64]);
    let c: ort.Tensor = new ort.Tensor('float32', new Float32Array(2 * 2 * 64), [2, 2, 64]);
    const sr = new ort.Tensor('int64', BigInt64Array.from([BigInt(SAMPLE_RATE)]), []);
    const rows: [number[], number[]] = [[], []];
    for (let f = 0; f < speech.length; f++) {
      const input = new Float32Array(2 * FRAME_SAMPLES);
      input.set(speech[f] ?? [], 0);
      input.set(silence[f] ?? [], FRAME_SAMPLES);
      const out = await session.run({ input: new ort.Tensor('float32', input, [2, FRAME_SAMPLES]), sr, h, c });
      assert.ok(out.hn && out.cn);
      assert.deepEqual(out.output?.dims, [2, 1]);
      h = out.hn;
      c = out.cn;
      const p = floats(out.output);
      rows[0].push(p[0] ?? Number.NaN);
      rows[1].push(p[1] ?? Number.NaN);
    }
    assert.ok(mean(rows[0].slice(8)) > 0.5, `speech row mean ${mean(rows[0].slice(8))}`);
    assert.ok(Math.max(...rows[1]) < 0.2, `silence row max ${Math.max(...rows[1])}`);
  } finally {
    await session.release();
  }
});

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { EmbeddedServer } from '../../src/main/server.js';
import { makeNoiseFrames, makeSpeechFrames } from '../../scripts/models/speech-signal.js';
import { DEMO_REPOSITORY, startTestServer } from '../helpers/server.js';

interface InferBody {
  model_name: string;
  model_version: string;
  id?: string;
  parameters: Record<string, string | number | boolean>;
  outputs: { name: string; datatype: string; shape: number[]; data: number[] }[];
}

const examples = JSON.parse(readFileSync(new URL('../../models/sensor-anomaly/1/examples.json', import.meta.url), 'utf8')) as {
  examples: { label: string; class_index: number; anomalous: boolean; features: number[] }[];
};

let server: EmbeddedServer;
before(async () => {
  server = await startTestServer(DEMO_REPOSITORY);
});
after(() => server.close());

async function infer(model: string, payload: object, headers: Record<string, string> = {}) {
  const response = await server.app.inject({ method: 'POST', url: `/v2/models/${model}/infer`, payload, headers });
  assert.equal(response.statusCode, 200, response.body);
  return { body: response.json<InferBody>(), headers: response.headers };
}

test('the four demo models load and are ready', async () => {
  const index = await server.app.inject({ method: 'POST', url: '/v2/repository/index' });
  const entries = index.json<{ name: string; state: string; digest: string }[]>();
  assert.deepEqual(entries.map((e) => [e.name, e.state]), [['identity', 'READY'], ['sensor-anomaly', 'READY'], ['silero-vad', 'READY'], ['text-sentiment-rules', 'READY']]);
  for (const e of entries) assert.match(e.digest, /^sha256:[0-9a-f]{64}$/);
});

test('sensor-anomaly scores every labelled example as labelled, in one batch', async () => {
  const rows = examples.examples;
  const { body, headers } = await infer('sensor-anomaly', {
    id: 'pump-7',
    inputs: [{ name: 'features', datatype: 'FP32', shape: [rows.length, 8], data: rows.map((r) => r.features) }],
  });
  assert.equal(body.id, 'pump-7');
  const score = body.outputs.find((o) => o.name === 'anomaly_score')!;
  const probabilities = body.outputs.find((o) => o.name === 'fault_probabilities')!;
  assert.deepEqual(score.shape, [rows.length, 1]);
  assert.deepEqual(probabilities.shape, [rows.length, 5]);
  rows.forEach((row, i) => {
    assert.equal(score.data[i]! >= 0.5, row.anomalous, `example ${i} (${row.label}) scored ${score.data[i]}`);
    const p = probabilities.data.slice(i * 5, i * 5 + 5);
    assert.equal(p.indexOf(Math.max(...p)), row.class_index, `example ${i} (${row.label})`);
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-5);
  });
  assert.equal(headers['x-switchyard-batch-size'], String(rows.length));
});

test('outputs selection returns only the named outputs', async () => {
  const { body } = await infer('sensor-anomaly', {
    inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 8], data: examples.examples[0]!.features }],
    outputs: [{ name: 'anomaly_score' }],
  });
  assert.deepEqual(body.outputs.map((o) => o.name), ['anomaly_score']);
});

test('silero-vad hears speech and not silence, carrying its state across frames', async () => {
  const run = async (frames: Float32Array[]): Promise<number[]> => {
    let h = new Array<number>(128).fill(0);
    let c = new Array<number>(128).fill(0);
    const probabilities: number[] = [];
    for (const frame of frames) {
      const { body } = await infer('silero-vad', {
        inputs: [
          { name: 'input', datatype: 'FP32', shape: [1, frame.length], data: Array.from(frame) },
          { name: 'sr', datatype: 'INT64', shape: [], data: [16000] },
          { name: 'h', datatype: 'FP32', shape: [2, 1, 64], data: h },
          { name: 'c', datatype: 'FP32', shape: [2, 1, 64], data: c },
        ],
      });
      const out = (name: string): number[] => body.outputs.find((o) => o.name === name)!.data;
      probabilities.push(out('output')[0]!);
      h = out('hn');
      c = out('cn');
    }
    return probabilities;
  };
  const speech = await run(makeSpeechFrames(24));
  const silence = await run(makeNoiseFrames(24));
  assert.ok(Math.max(...speech.slice(8)) > 0.9, `speech peaked at ${Math.max(...speech)}`);
  assert.ok(Math.max(...silence) < 0.2, `silence peaked at ${Math.max(...silence)}`);
});

test('identity echoes its input and every response carries its metadata', async () => {
  const data = [0.5, -1, 3.25, 1e-3];
  const { body, headers } = await infer('identity', { inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 2], data }] });
  assert.deepEqual(body.outputs[0]?.data, data.map((v) => Math.fround(v)));
  assert.equal(body.model_name, 'identity');
  assert.equal(body.model_version, '1');
  const digest = String(body.parameters.digest);
  assert.match(digest, /^sha256:[0-9a-f]{64}$/);
  assert.equal(headers['x-switchyard-model'], 'identity');
  assert.equal(headers['x-switchyard-model-version'], '1');
  assert.equal(headers['x-switchyard-digest'], digest);
  assert.equal(headers['x-switchyard-backend'], 'onnx');
  assert.match(String(headers['x-switchyard-hardware-class']), /^cpu-/);
  assert.equal(headers['x-switchyard-device'], 'cpu:0');
  assert.equal(headers['x-switchyard-simulated'], 'false');
  assert.equal(headers['x-switchyard-batch-size'], '2');
  const timing = /^queue;dur=([\d.]+), compute;dur=([\d.]+), total;dur=([\d.]+)$/.exec(String(headers['server-timing']));
  assert.ok(timing, `Server-Timing: ${String(headers['server-timing'])}`);
  const [queue, compute, total] = timing.slice(1).map(Number) as [number, number, number];
  assert.ok(total >= compute && compute >= 0 && queue >= 0);
  assert.equal(body.parameters.queue_ms, queue);
  assert.equal(body.parameters.compute_ms, compute);
  for (const key of ['backend', 'hardware_class', 'device', 'simulated', 'batch_size', 'total_ms', 'trace_id']) {
    assert.ok(key in body.parameters, `parameters.${key}`);
  }
});

test('traceparent: a caller trace is continued, otherwise a new one starts', async () => {
  const payload = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 1], data: [1] }] };
  const parent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const continued = await infer('identity', payload, { traceparent: parent });
  const returned = String(continued.headers.traceparent);
  assert.match(returned, /^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
  assert.notEqual(returned.split('-')[2], '00f067aa0ba902b7', 'the server answers with its own span id');
  assert.equal(continued.body.parameters.trace_id, '4bf92f3577b34da6a3ce929d0e0e4736');
  const fresh = await infer('identity', payload, { traceparent: 'garbage' });
  const freshTrace = String(fresh.headers.traceparent).split('-')[1];
  assert.match(String(fresh.headers.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  assert.notEqual(freshTrace, '4bf92f3577b34da6a3ce929d0e0e4736');
});

test('model metadata follows OIP and reports digest, state and contract', async () => {
  const response = await server.app.inject({ method: 'GET', url: '/v2/models/silero-vad' });
  assert.equal(response.statusCode, 200);
  const metadata = response.json<{ name: string; versions: string[]; platform: string; inputs: unknown[]; outputs: unknown[]; parameters: Record<string, unknown> }>();
  assert.equal(metadata.name, 'silero-vad');
  assert.deepEqual(metadata.versions, ['1']);
  assert.equal(metadata.platform, 'onnxruntime_onnx');
  assert.deepEqual(metadata.inputs, [
    { name: 'input', datatype: 'FP32', shape: [-1, -1] },
    { name: 'sr', datatype: 'INT64', shape: [] },
    { name: 'h', datatype: 'FP32', shape: [2, -1, 64] },
    { name: 'c', datatype: 'FP32', shape: [2, -1, 64] },
  ]);
  assert.equal(metadata.parameters.state, 'READY');
  assert.match(String(metadata.parameters.digest), /^sha256:/);
  assert.deepEqual(metadata.parameters.batch_axes, { input: 0, h: 1, c: 1, output: 0, hn: 1, cn: 1 });
  const versioned = await server.app.inject({ method: 'GET', url: '/v2/models/silero-vad/versions/1' });
  assert.deepEqual(versioned.json<{ versions: string[] }>().versions, ['1']);
  const ready = await server.app.inject({ method: 'GET', url: '/v2/models/silero-vad/versions/1/ready' });
  assert.deepEqual([ready.statusCode, ready.json()], [200, { name: 'silero-vad', ready: true }]);
});

test('server health and metadata', async () => {
  const live = await server.app.inject({ method: 'GET', url: '/v2/health/live' });
  assert.deepEqual([live.statusCode, live.json()], [200, { live: true }]);
  const meta = await server.app.inject({ method: 'GET', url: '/v2' });
  const body = meta.json<{ name: string; version: string; extensions: string[] }>();
  assert.equal(body.name, 'switchyard');
  assert.match(body.version, /^\d+\.\d+\.\d+/);
  assert.ok(body.extensions.includes('model_repository'));
});

test('/metrics counts requests and latency by model, version and outcome', async () => {
  await infer('identity', { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 1], data: [1] }] });
  const metrics = await server.app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(metrics.statusCode, 200);
  assert.match(String(metrics.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  assert.match(metrics.body, /switchyard_inference_requests_total\{model="identity",version="1",latency_class="realtime",outcome="ok"\} \d+/);
  assert.match(metrics.body, /switchyard_inference_request_duration_seconds_bucket\{le="\+Inf",model="identity",version="1",hardware_class="[a-z0-9-]+",latency_class="realtime",outcome_class="ok"\} \d+/);
});

test('text-sentiment-rules (rules backend) scores texts with the VADER lexicon', async () => {
  const { body, headers } = await infer('text-sentiment-rules', {
    inputs: [{ name: 'text', datatype: 'BYTES', shape: [3], data: ['The pump runs great, really happy with it!', 'Bearing failed again. Terrible.', 'The pump is in hall 3.'] }],
  });
  assert.equal(headers['x-switchyard-backend'], 'rules');
  const scores = body.outputs[0]!;
  assert.deepEqual([scores.name, scores.datatype, scores.shape], ['scores', 'FP32', [3, 4]]);
  const compound = [0, 1, 2].map((row) => scores.data[row * 4 + 3]!);
  assert.ok(compound[0]! >= 0.05, `positive: ${compound[0]}`);
  assert.ok(compound[1]! <= -0.05, `negative: ${compound[1]}`);
  assert.ok(Math.abs(compound[2]!) < 0.05, `neutral: ${compound[2]}`);
  // neg + neu + pos of one text sum to 1, as VADER defines them.
  assert.ok(Math.abs(scores.data[0]! + scores.data[1]! + scores.data[2]! - 1) < 0.01);
});

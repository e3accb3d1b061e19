import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { compileConfig, type RawConfig } from '../../src/core/config.js';
import { createServer, type EmbeddedServer } from '../../src/main/server.js';
import { BackendError, type LoadBackend } from '../../src/runtime/backend.js';
import { loadOnnxBackend } from '../../src/runtime/onnx/onnx-backend.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { DEMO_REPOSITORY } from '../helpers/server.js';
import { scratchRepository } from '../fixtures/onnx-fixtures.js';

/** Versions named here fail every run, as a broken backend would. */
const failing = new Set<string>();
const flakyLoader: LoadBackend = async (spec) => {
  const loaded = await loadOnnxBackend(spec);
  const inner = loaded.backend;
  return {
    signature: loaded.signature,
    backend: {
      describe: () => inner.describe(),
      get inFlight() {
        return inner.inFlight;
      },
      run: (inputs, names) => (failing.has(spec.name) ? Promise.reject(new BackendError('injected failure')) : inner.run(inputs, names)),
      unload: () => inner.unload(),
    },
  };
};

const SENSOR = join(DEMO_REPOSITORY, 'sensor-anomaly', '1');
const sensorYaml = readFileSync(join(SENSOR, 'model.yaml'), 'utf8');
const withoutChain = sensorYaml.slice(0, sensorYaml.indexOf('fallbacks:'));

function copySensor(root: string, name: string, yaml: string): void {
  cpSync(SENSOR, join(root, name, '1'), { recursive: true });
  writeFileSync(join(root, name, '1', 'model.yaml'), yaml);
}

let server: EmbeddedServer;
before(async () => {
  const root = scratchRepository();
  cpSync(SENSOR, join(root, 'sensor-anomaly', '1'), { recursive: true });
  cpSync(join(DEMO_REPOSITORY, 'identity'), join(root, 'identity'), { recursive: true });
  copySensor(root, 'sensor-backup', withoutChain);
  copySensor(root, 'sensor-chain', `${withoutChain}fallbacks:\n  - { kind: deployment, model: identity }\n  - { kind: deployment, model: sensor-backup }\n`);
  copySensor(root, 'sensor-cache-only', `${withoutChain}fallbacks:\n  - { kind: cache }\n`);
  copySensor(root, 'sensor-plain', sensorYaml);
  const raw: RawConfig = new Map([
    ['model_repository', { value: root, source: 'test' }],
    ['data_dir', { value: mkdtempSync(join(tmpdir(), 'switchyard-data-')), source: 'test' }],
    ['log_level', { value: 'silent', source: 'test' }],
    ['circuit.failure_threshold', { value: 3, source: 'test' }],
    ['circuit.open_seconds', { value: 3600, source: 'test' }],
  ]);
  server = await createServer({ config: compileConfig(raw, process.cwd()), log: silentLogger(), processMetrics: false, loadBackend: flakyLoader });
});
after(() => server.close());

const row = (bearingTemperature: number) => [0.9, 2.8, 0.37, 0.12, 0.04, bearingTemperature, 22, 11];

/** These tests are about the chain: their calls opt into fallbacks (a plain OIP call gets the error, tested last). */
async function infer(model: string, features: number[][], headers: Record<string, string> = { 'x-switchyard-allow-fallback': 'true' }, parameters?: object) {
  const response = await server.app.inject({
    method: 'POST',
    url: `/v2/models/${model}/infer`,
    headers,
    payload: { inputs: [{ name: 'features', datatype: 'FP32', shape: [features.length, 8], data: features.flat() }], ...(parameters ? { parameters } : {}) },
  });
  return { status: response.statusCode, headers: response.headers, body: response.json<{ code?: string; parameters?: Record<string, unknown>; outputs?: { name: string; shape: number[]; data: number[] }[] }>() };
}

test('sensor-anomaly: cache, then rules, then the circuit opens; the answer says which fallback and why', async () => {
  const first = await infer('sensor-anomaly', [row(40)]);
  assert.equal(first.status, 200);
  assert.equal(first.headers['x-switchyard-fallback'], undefined);
  failing.add('sensor-anomaly/1');
  try {
    // The same input again: the cache answers with the primary's earlier answer.
    const cached = await infer('sensor-anomaly', [row(40)]);
    assert.equal(cached.status, 200);
    assert.equal(cached.headers['x-switchyard-fallback'], 'cache:response; reason=inference_failed');
    assert.equal(cached.body.parameters?.fallback, 'cache:response');
    assert.equal(cached.body.parameters?.fallback_reason, 'inference_failed');
    assert.deepEqual(cached.body.outputs, first.body.outputs);

    // A new input: the threshold rules answer, for every row.
    const rules = await infer('sensor-anomaly', [row(41), row(42)]);
    assert.equal(rules.status, 200);
    assert.equal(rules.headers['x-switchyard-fallback'], 'rules:fallback-rules.json; reason=inference_failed');
    assert.deepEqual(rules.body.outputs?.map((o) => [o.name, o.shape]), [['anomaly_score', [2, 1]], ['fault_probabilities', [2, 5]]]);

    // Bad input is still a 400: a fallback never hides it.
    const bad = await server.app.inject({ method: 'POST', url: '/v2/models/sensor-anomaly/infer', payload: { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 7], data: [1, 2, 3, 4, 5, 6, 7] }] } });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json<{ code: string }>().code, 'INPUT_SHAPE_MISMATCH');
    assert.equal(bad.headers['x-switchyard-fallback'], undefined);
    const badHint = await infer('sensor-anomaly', [row(43)], { 'x-switchyard-allow-fallback': 'true', 'x-switchyard-priority': 'urgent' });
    assert.equal(badHint.status, 400);
    assert.equal(badHint.headers['x-switchyard-fallback'], undefined);

    // The third failure opened the circuit (failure_threshold 3): the primary is not called now.
    await infer('sensor-anomaly', [row(44)]);
    const open = await infer('sensor-anomaly', [row(45)]);
    assert.equal(open.status, 200);
    assert.equal(open.headers['x-switchyard-fallback'], 'rules:fallback-rules.json; reason=circuit_open');
  } finally {
    failing.delete('sensor-anomaly/1');
  }
  const metrics = await server.app.inject({ method: 'GET', url: '/metrics' });
  assert.match(metrics.body, /switchyard_fallbacks_total\{model="sensor-anomaly",version="1",kind="rules",reason="inference_failed"\} 2/);
  assert.match(metrics.body, /switchyard_circuit_state\{model="sensor-anomaly",version="1"\} 1/);
});

test('another deployment answers when the primary fails; an incompatible one is dropped at load', async () => {
  const chain = server.fallbacks.chainOf(server.catalog.get('sensor-chain', '1')!);
  assert.deepEqual(chain?.links.map((l) => `${l.kind}:${l.name}`), ['deployment:sensor-backup:1']);
  assert.match(chain?.dropped[0] ?? '', /^deployment:identity: contract does not fit/);
  failing.add('sensor-chain/1');
  try {
    const answer = await infer('sensor-chain', [row(50)]);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['x-switchyard-fallback'], 'deployment:sensor-backup:1; reason=inference_failed');
    assert.equal(answer.body.parameters?.model, 'sensor-backup');
    assert.equal(answer.body.parameters?.fallback_reason, 'inference_failed');
    assert.equal(answer.headers['x-switchyard-model'], 'sensor-backup');
  } finally {
    failing.delete('sensor-chain/1');
  }
});

test('a burning SLO sends requests straight to the chain', async () => {
  server.fallbacks.useBurnSignal((deployment) => deployment === 'sensor-chain:1');
  try {
    const answer = await infer('sensor-chain', [row(51)]);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['x-switchyard-fallback'], 'deployment:sensor-backup:1; reason=slo_burn');
  } finally {
    server.fallbacks.useBurnSignal(() => false);
  }
});

test('with the circuit open and no fallback able to answer: 503 CIRCUIT_OPEN with Retry-After', async () => {
  failing.add('sensor-cache-only/1');
  try {
    const codes: (string | undefined)[] = [];
    for (let i = 0; i < 4; i++) {
      const answer = await infer('sensor-cache-only', [row(60 + i)]);
      codes.push(answer.body.code);
      if (i === 3) {
        assert.equal(answer.status, 503);
        assert.ok(Number(answer.headers['retry-after']) >= 1);
      }
    }
    assert.deepEqual(codes, ['INFERENCE_FAILED', 'INFERENCE_FAILED', 'INFERENCE_FAILED', 'CIRCUIT_OPEN']);
  } finally {
    failing.delete('sensor-cache-only/1');
  }
});

test('a caller that did not opt into fallbacks gets the catalogue error, never a fallback it cannot tell from the model', async () => {
  // Triton's timeout of 1 µs, as tritonclient.http sends it: infeasible, and said so (was a 200 from the rules).
  const triton = await infer('sensor-plain', [row(70)], {}, { timeout: 1 });
  assert.equal(triton.status, 503);
  assert.equal(triton.body.code, 'DEADLINE_INFEASIBLE');
  assert.equal(triton.headers['x-switchyard-fallback'], undefined);
  // The same call opting in by parameter gets the chain's answer, labelled.
  const optedIn = await infer('sensor-plain', [row(70)], {}, { timeout: 1, allow_fallback: true });
  assert.equal(optedIn.status, 200);
  assert.equal(optedIn.headers['x-switchyard-fallback'], 'rules:fallback-rules.json; reason=deadline_infeasible');

  failing.add('sensor-plain/1');
  try {
    const plain = await infer('sensor-plain', [row(71)], {});
    assert.equal(plain.status, 500);
    assert.equal(plain.body.code, 'INFERENCE_FAILED');
    assert.equal(plain.headers['x-switchyard-fallback'], undefined);
    // A caller speaking Switchyard (any x-switchyard-* hint) reads the fallback label: allowed unless it says no.
    const aware = await infer('sensor-plain', [row(72)], { 'x-switchyard-latency-class': 'realtime' });
    assert.equal(aware.status, 200);
    assert.equal(aware.headers['x-switchyard-fallback'], 'rules:fallback-rules.json; reason=inference_failed');
    const declined = await infer('sensor-plain', [row(73)], { 'x-switchyard-latency-class': 'realtime', 'x-switchyard-allow-fallback': 'false' });
    assert.equal(declined.status, 500);
    assert.equal(declined.body.code, 'INFERENCE_FAILED');
    const contradictory = await infer('sensor-plain', [row(74)], { 'x-switchyard-allow-fallback': 'false' }, { allow_fallback: true });
    assert.equal(contradictory.status, 400);
    assert.equal(contradictory.body.code, 'HINT_INVALID');
  } finally {
    failing.delete('sensor-plain/1');
  }
});

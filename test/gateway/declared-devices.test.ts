/**
 * Declared devices in a real in-process server: two simulated H200s in the cloud next to the
 * real CPU replica, labelled simulated in responses, metadata, the index and metrics; tenants
 * pinned `onprem-only` never reach them, other traffic bursts there when on-prem is too slow.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileConfig, type RawConfig } from '../../src/core/config.js';
import { createServer, type EmbeddedServer } from '../../src/main/server.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { DEMO_REPOSITORY } from '../helpers/server.js';

const ROW = [0.955, 2.786, 0.3726, 0.0407, 0.0781, 56.3, 22.6, 26.42];

/** A fresh server per test where learned service times would otherwise leak between tests. */
async function start(): Promise<EmbeddedServer> {
  const repository = mkdtempSync(join(tmpdir(), 'switchyard-declared-'));
  cpSync(join(DEMO_REPOSITORY, 'sensor-anomaly'), join(repository, 'sensor-anomaly'), { recursive: true });
  const raw: RawConfig = new Map<string, { value: unknown; source: string }>([
    ['model_repository', { value: repository, source: 'test' }],
    ['data_dir', { value: mkdtempSync(join(tmpdir(), 'switchyard-data-')), source: 'test' }],
    ['log_level', { value: 'silent', source: 'test' }],
    ['sim_profiles', { value: new URL('../../sim/profiles', import.meta.url).pathname, source: 'test' }],
    ['declared_devices', { value: [{ class: 'h200', count: 2, tier: 'cloud', node: 'cloud-1' }], source: 'test' }],
    ['residency', { value: { tenants: { bank: 'onprem-only' } }, source: 'test' }],
  ]);
  const config = compileConfig(raw, process.cwd());
  // Simulated compute takes no wall time here: the timer resolves at once (the clock is ours).
  return createServer({ config, log: silentLogger(), processMetrics: false, simTimers: { now: () => 0, delay: () => Promise.resolve() } });
}

let server: EmbeddedServer;
before(async () => {
  server = await start();
});
after(() => server.close());

function infer(target: EmbeddedServer, rows: number, headers: Record<string, string> = {}) {
  const data = Array.from({ length: rows }, () => ROW);
  return target.app.inject({ method: 'POST', url: '/v2/models/sensor-anomaly/infer', payload: { inputs: [{ name: 'features', datatype: 'FP32', shape: [rows, 8], data }] }, headers });
}

test('declared devices are listed as simulated in the model metadata and the repository index', async () => {
  const metadata = (await server.app.inject({ method: 'GET', url: '/v2/models/sensor-anomaly' })).json<{ parameters: { hardware: { hardware_class: string; tier: string; backend: string; simulated: boolean; replicas: number }[] } }>();
  const rows = metadata.parameters.hardware.map((h) => [h.hardware_class, h.tier, h.backend, h.simulated, h.replicas]);
  assert.deepEqual(rows.find((r) => r[2] === 'sim'), ['h200', 'cloud', 'sim', true, 2]);
  assert.deepEqual(rows.find((r) => r[2] === 'onnx')?.slice(1), ['onprem', 'onnx', false, 1], 'the real CPU replica is not simulated');
  const index = (await server.app.inject({ method: 'POST', url: '/v2/repository/index' })).json<{ name: string; simulated: boolean }[]>();
  assert.equal(index[0]!.simulated, true);
});

test('a request sent to the simulated class is answered by the sim backend, labelled simulated, with contract-shaped zeros', async () => {
  const response = await infer(server, 3, { 'x-switchyard-hint-hardware': 'h200' });
  assert.equal(response.statusCode, 200, response.body);
  assert.equal(response.headers['x-switchyard-simulated'], 'true');
  assert.equal(response.headers['x-switchyard-backend'], 'sim');
  assert.equal(response.headers['x-switchyard-hardware-class'], 'h200');
  assert.equal(response.headers['x-switchyard-tier'], 'cloud');
  assert.equal(response.headers['x-switchyard-node'], 'cloud-1');
  assert.match(String(response.headers['x-switchyard-device']), /^sim:h200:[01]$/);
  const body = response.json<{ parameters: { simulated: boolean }; outputs: { name: string; datatype: string; shape: number[]; data: number[] }[] }>();
  assert.equal(body.parameters.simulated, true);
  assert.deepEqual(body.outputs.map((o) => [o.name, o.datatype, o.shape, o.data.every((v) => v === 0)]), [['anomaly_score', 'FP32', [3, 1], true], ['fault_probabilities', 'FP32', [3, 5], true]]);
});

test("an onprem-only tenant can never be sent to the cloud's simulated devices", async () => {
  const pinned = await infer(server, 1, { 'x-switchyard-hint-hardware': 'h200', 'x-switchyard-tenant': 'bank' });
  assert.equal(pinned.statusCode, 400);
  assert.equal(pinned.json<{ code: string }>().code, 'HINTS_UNSATISFIABLE');
  const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => infer(server, 1 + (i % 4), { 'x-switchyard-tenant': 'bank', 'x-switchyard-deadline-ms': String(1 + (i % 7)) })));
  for (const response of responses) {
    if (response.statusCode === 200) assert.notEqual(response.headers['x-switchyard-tier'], 'cloud');
    else assert.ok([503, 504].includes(response.statusCode), response.body);
  }
});

test('when on-prem cannot meet the deadline, other traffic bursts to the cloud and the metrics say so', async () => {
  const fresh = await start();
  try {
    // Before it has learned anything, the CPU replica is predicted at 1 + 0.05 ms per row: 10.95 ms for 200 rows.
    const burst = await infer(fresh, 200, { 'x-switchyard-deadline-ms': '5' });
    assert.equal(burst.statusCode, 200, burst.body);
    assert.equal(burst.headers['x-switchyard-tier'], 'cloud');
    assert.equal(burst.headers['x-switchyard-simulated'], 'true');
    const pinned = await infer(fresh, 200, { 'x-switchyard-deadline-ms': '5', 'x-switchyard-tenant': 'bank' });
    // sensor-anomaly has a fallback chain: the pinned tenant is refused, or answered by a fallback on
    // this node (saying why), but never served by the cloud replica.
    if (pinned.statusCode === 200) {
      assert.match(String(pinned.headers['x-switchyard-fallback']), /reason=deadline_infeasible/, pinned.body);
      assert.notEqual(pinned.headers['x-switchyard-tier'], 'cloud');
    } else {
      assert.equal(pinned.statusCode, 503, pinned.body);
      assert.equal(pinned.json<{ code: string }>().code, 'DEADLINE_INFEASIBLE');
    }
    const relaxed = await infer(fresh, 1, { 'x-switchyard-deadline-ms': '1000' });
    assert.equal(relaxed.headers['x-switchyard-tier'], 'onprem', 'a deadline on-prem can meet stays on-prem');
    const metrics = (await fresh.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(metrics, /switchyard_burst_requests_total\{model="sensor-anomaly",version="1",from_tier="onprem",to_tier="cloud"\} 1/);
    assert.match(metrics, /switchyard_replica_info\{model="sensor-anomaly",version="1",replica="sensor-anomaly:1#1",node="cloud-1",hardware_class="h200",tier="cloud",backend="sim",simulated="true",state="ready"\} 1/);
  } finally {
    await fresh.close();
  }
});

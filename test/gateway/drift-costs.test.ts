import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { EmbeddedServer } from '../../src/main/server.js';
import { DEMO_REPOSITORY, startTestServer, adminHeaders } from '../helpers/server.js';

const reference = JSON.parse(readFileSync(new URL('../../models/sensor-anomaly/1/reference.json', import.meta.url), 'utf8')) as { inputs: Record<string, number[]> };
const FEATURES = ['vibration_rms', 'vibration_kurtosis', 'energy_ratio_1x', 'energy_ratio_2x', 'energy_ratio_bearing', 'bearing_temperature', 'ambient_temperature', 'motor_current'];
const SHIFTED = new Set(['bearing_temperature', 'vibration_rms']);

let server: EmbeddedServer;
before(async () => {
  server = await startTestServer(DEMO_REPOSITORY, { 'drift.sample_every': 1, 'cost.node_cost_per_hour': 0.5 });
});
after(() => server.close());

interface Drift {
  deployment: string;
  features: { feature: string; kind: string; referenceSource: string; windowSize: number; psi?: number; level?: string; ks?: { statistic: number; pValue: number }; jensenShannon?: number }[];
}

test('sensor-anomaly fed a shifted sensor distribution: PSI > 0.25 on the shifted features, < 0.1 on the others', async () => {
  // Every other held-out row (all classes), with the bearing running 15 °C hotter and vibration doubled.
  const rows: number[][] = [];
  for (let i = 0; i < reference.inputs.vibration_rms!.length; i += 2) {
    rows.push(FEATURES.map((f) => {
      const v = reference.inputs[f]![i]!;
      return f === 'bearing_temperature' ? v + 15 : f === 'vibration_rms' ? v * 2 : v;
    }));
  }
  for (let start = 0; start < rows.length; start += 100) {
    const batch = rows.slice(start, start + 100);
    const response = await server.app.inject({
      method: 'POST',
      url: '/v2/models/sensor-anomaly/infer',
      payload: { inputs: [{ name: 'features', datatype: 'FP32', shape: [batch.length, 8], data: batch.flat() }] },
    });
    assert.equal(response.statusCode, 200, response.body);
  }
  const response = await server.app.inject({ method: 'GET', headers: adminHeaders(server), url: '/v1/deployments/sensor-anomaly:1/drift' });
  assert.equal(response.statusCode, 200, response.body);
  const drift = response.json<Drift>();
  assert.equal(drift.deployment, 'sensor-anomaly:1');
  for (const name of FEATURES) {
    const f = drift.features.find((x) => x.feature === name && x.kind === 'input');
    assert.ok(f?.psi !== undefined, `${name} has statistics`);
    assert.equal(f.referenceSource, 'file');
    assert.equal(f.windowSize, rows.length);
    if (SHIFTED.has(name)) {
      assert.ok(f.psi > 0.25, `${name}: PSI ${f.psi}`);
      assert.equal(f.level, 'significant');
      assert.ok(f.ks!.pValue < 0.001, `${name}: KS p ${f.ks!.pValue}`);
    } else {
      assert.ok(f.psi < 0.1, `${name}: PSI ${f.psi}`);
      assert.equal(f.level, 'stable');
    }
  }
  assert.ok(drift.features.some((x) => x.kind === 'output' && x.feature === 'anomaly_score'));
  // A model name alone means its default version; an unknown one is a 404.
  assert.equal((await server.app.inject({ method: 'GET', headers: adminHeaders(server), url: '/v1/deployments/sensor-anomaly/drift' })).statusCode, 200);
  const unknown = await server.app.inject({ method: 'GET', headers: adminHeaders(server), url: '/v1/deployments/nope:1/drift' });
  assert.deepEqual([unknown.statusCode, unknown.json<{ code: string }>().code], [404, 'MODEL_NOT_FOUND']);

  const metrics = (await server.app.inject({ method: 'GET', url: '/metrics' })).body;
  assert.match(metrics, /switchyard_drift_psi\{model="sensor-anomaly",version="1",feature="bearing_temperature",kind="input"\} \d/);
});

interface Costs {
  currency: string;
  nodes: { node: string; cost_per_hour: number; up_seconds: number; cost_dollars: number; busy_seconds: number; attributed_dollars: number; idle_dollars: number }[];
  usage: { model: string; version: string; hardware_class: string; inferences: number; busy_seconds: number; cost_dollars: number; cost_per_1k_inferences: number | null }[];
}

test('GET /v1/costs attributes the node price by busy time and reports cost per 1,000 inferences', async () => {
  await server.app.inject({ method: 'POST', url: '/v2/models/identity/infer', payload: { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 2], data: [1, 2] }] } });
  const response = await server.app.inject({ method: 'GET', headers: adminHeaders(server), url: '/v1/costs' });
  assert.equal(response.statusCode, 200);
  const costs = response.json<Costs>();
  assert.equal(costs.currency, 'USD');
  const node = costs.nodes[0]!;
  assert.equal(node.cost_per_hour, 0.5);
  assert.ok(Math.abs(node.cost_dollars - (0.5 * node.up_seconds) / 3600) < 1e-9);
  assert.ok(Math.abs(node.idle_dollars + node.attributed_dollars - node.cost_dollars) < 1e-12);
  const sensor = costs.usage.find((u) => u.model === 'sensor-anomaly')!;
  assert.ok(sensor.inferences >= 600);
  assert.ok(sensor.busy_seconds > 0);
  const expected = (node.cost_dollars * sensor.busy_seconds) / Math.max(node.up_seconds, node.busy_seconds);
  assert.ok(Math.abs(sensor.cost_dollars - expected) < 1e-9);
  assert.ok(Math.abs(sensor.cost_per_1k_inferences! - (sensor.cost_dollars / sensor.inferences) * 1000) < 1e-12);
  const metrics = (await server.app.inject({ method: 'GET', url: '/metrics' })).body;
  assert.match(metrics, /switchyard_cost_per_1k_inferences\{model="sensor-anomaly",version="1",hardware_class="[^"]+"\} /);
  assert.match(metrics, /switchyard_idle_cost_dollars_total\{node="local",hardware_class="[^"]+"\} /);
});

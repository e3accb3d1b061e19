import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmbeddedServer } from '../../src/main/server.js';
import { DEMO_REPOSITORY, startTestServer, adminHeaders } from '../helpers/server.js';

// A repository with only the identity model, whose model.yaml carries an slo block.
let server: EmbeddedServer;
before(async () => {
  const repository = mkdtempSync(join(tmpdir(), 'switchyard-slo-'));
  cpSync(join(DEMO_REPOSITORY, 'identity'), join(repository, 'identity'), { recursive: true });
  appendFileSync(join(repository, 'identity', '1', 'model.yaml'), 'slo:\n  latency_threshold_ms: 25\n  latency_target: 0.99\n  availability_target: 0.999\n  actions: [shed, fallback, freeze]\n');
  server = await startTestServer(repository);
});
after(() => server.close());

function infer(headers: Record<string, string> = {}) {
  return server.app.inject({
    method: 'POST',
    url: '/v2/models/identity/infer',
    headers,
    payload: { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 2], data: [1, 2] }] },
  });
}

test('the model.yaml SLO is listed with a full budget and no burn', async () => {
  const response = await server.app.inject({ method: 'GET', headers: adminHeaders(server), url: '/v1/slos' });
  assert.equal(response.statusCode, 200);
  const [slo] = response.json<{ slos: Record<string, unknown>[] }>().slos;
  assert.deepEqual(slo?.objective, { latency_class: 'realtime', latency_threshold_ms: 25, latency_target: 0.99, availability_target: 0.999, window_days: 28, actions: ['shed', 'fallback', 'freeze'] });
  assert.equal(slo?.id, 'identity:1:realtime');
  assert.deepEqual(slo?.budget_remaining, { latency: 1, availability: 1 });
  assert.deepEqual(slo?.actions_in_force, { shed: false, fallback: false, freeze: false });
});

test('PUT and POST set SLOs; bad ones are 400 and unknown ones 404', async () => {
  const put = await server.app.inject({ method: 'PUT', headers: adminHeaders(server), url: '/v1/slos/identity:1:throughput', payload: { latency_threshold_ms: 100, latency_target: 0.95, actions: ['alert'] } });
  assert.equal(put.statusCode, 200, put.body);
  assert.equal(put.json<{ objective: { latency_target: number } }>().objective.latency_target, 0.95);
  const post = await server.app.inject({ method: 'POST', headers: adminHeaders(server), url: '/v1/slos', payload: { model: 'identity', version: '1', latency_class: 'throughput', availability_target: 0.9 } });
  assert.equal(post.statusCode, 200, 'replacing an existing SLO');
  const list = (await server.app.inject({ method: 'GET', headers: adminHeaders(server), url: '/v1/slos' })).json<{ slos: { id: string }[] }>().slos.map((s) => s.id).sort();
  assert.deepEqual(list, ['identity:1:realtime', 'identity:1:throughput']);

  const cases: [string, string, unknown, number, string][] = [
    ['PUT', '/v1/slos/identity:1:realtime', { latency_target: 1.5 }, 400, 'INVALID_REQUEST'],
    ['PUT', '/v1/slos/identity:1:realtime', { actions: ['page'] }, 400, 'INVALID_REQUEST'],
    ['PUT', '/v1/slos/identity:1:warp', {}, 400, 'INVALID_REQUEST'],
    ['PUT', '/v1/slos/identity:1:realtime', { latency_class: 'throughput' }, 400, 'INVALID_REQUEST'],
    ['PUT', '/v1/slos/nope:1:realtime', {}, 404, 'MODEL_NOT_FOUND'],
    ['POST', '/v1/slos', { model: 'identity', version: '9' }, 404, 'MODEL_VERSION_NOT_FOUND'],
    ['POST', '/v1/slos', { version: '1' }, 400, 'INVALID_REQUEST'],
    ['GET', '/v1/slos/identity:2:realtime', undefined, 404, 'SLO_NOT_FOUND'],
  ];
  for (const [method, url, payload, status, code] of cases) {
    const response = await server.app.inject({ method: method as 'GET', url, headers: adminHeaders(server), ...(payload === undefined ? {} : { payload: payload as object }) });
    assert.equal(response.statusCode, status, `${method} ${url} ${JSON.stringify(payload)}: ${response.body}`);
    assert.equal(response.json<{ code: string }>().code, code);
  }
});

test('a burning budget sheds sheddable traffic with 503, Retry-After and a reason; others still run', async () => {
  assert.equal((await infer({ 'x-switchyard-priority': 'sheddable' })).statusCode, 200, 'no burn yet');
  // 200 more requests, 50 slower than 25 ms: with the one before, 50 or 51 of 201 bad, a burn near 25x everywhere.
  for (let i = 0; i < 200; i++) server.slo.book.record('identity:1', 'realtime', i < 50 ? 0.5 : 0.001, false);
  await server.slo.loop.evaluate();
  assert.equal(server.slo.book.sloState('identity:1').fallback, true, 'SloSignals says: use the fallback chain');
  assert.equal(server.slo.book.sloState('identity:1', 'throughput').shed, false, 'the throughput SLO is not burning');

  const shed = await infer({ 'x-switchyard-priority': 'sheddable' });
  assert.equal(shed.statusCode, 503);
  assert.equal(shed.headers['retry-after'], '30');
  const body = shed.json<{ code: string; error: string; retryable: boolean }>();
  assert.equal(body.code, 'SLO_SHEDDING');
  assert.match(body.error, /latency SLO of identity:1:realtime burns 2\d\.\dx over 1h and 2\d\.\dx over 5m \(above 14\.4x\)/);
  assert.equal((await infer({ 'x-switchyard-priority': 'standard' })).statusCode, 200);
  assert.equal((await infer({ 'x-switchyard-priority': 'sheddable', 'x-switchyard-latency-class': 'throughput' })).statusCode, 200);

  const slo = (await server.app.inject({ method: 'GET', headers: adminHeaders(server), url: '/v1/slos/identity:1:realtime' })).json<Record<string, unknown>>();
  assert.deepEqual(slo.actions_in_force, { shed: true, fallback: true, freeze: true });
  assert.deepEqual((slo.firing as { pair: string }[]).map((f) => f.pair), ['1h_5m', '6h_30m', '3d_6h']);
  assert.ok((slo.budget_remaining as { latency: number }).latency < 0);

  const metrics = (await server.app.inject({ method: 'GET', url: '/metrics' })).body;
  assert.match(metrics, /switchyard_inference_rejections_total\{model="identity",version="1",latency_class="realtime",reason="SLO_SHEDDING"\} 1/);
  assert.match(metrics, /switchyard_slo_burn_rate\{slo="identity:1:realtime",model="identity",version="1",latency_class="realtime",sli="latency",window="5m"\} \d+/);
  assert.match(metrics, /switchyard_slo_action_active\{slo="identity:1:realtime",model="identity",version="1",latency_class="realtime",action="shed"\} 1/);
  assert.match(metrics, /switchyard_inference_request_duration_seconds_count\{model="identity",version="1",hardware_class="none",latency_class="realtime",outcome_class="shed"\} 1/);
  assert.match(metrics, /switchyard_inferences_total\{model="identity",version="1",hardware_class="[a-z0-9-]+",latency_class="realtime"\} \d+/);
  assert.match(metrics, /switchyard_inference_in_flight\{model="identity",version="1"\} 0/);
});

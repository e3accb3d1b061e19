import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EmbeddedServer } from '../../src/main/server.js';
import { mergeInputs, sliceOutput, batchKeyOf } from '../../src/serving/live/batch-tensors.js';
import type { TensorSpec } from '../../src/core/contract.js';
import { DEMO_REPOSITORY, startTestServer } from '../helpers/server.js';

const spec = (name: string, shape: number[], batchAxis: number | undefined): TensorSpec => ({ name, datatype: 'FP32', shape, batchAxis, description: undefined });

test('merging concatenates along each batch axis and slicing gives each request its rows back', () => {
  const specs = [spec('x', [-1, 2], 0), spec('h', [2, -1, 1], 1), spec('sr', [], undefined)];
  const a = { x: { datatype: 'FP32' as const, shape: [1, 2], data: new Float32Array([1, 2]) }, h: { datatype: 'FP32' as const, shape: [2, 1, 1], data: new Float32Array([10, 20]) }, sr: { datatype: 'FP32' as const, shape: [], data: new Float32Array([7]) } };
  const b = { x: { datatype: 'FP32' as const, shape: [2, 2], data: new Float32Array([3, 4, 5, 6]) }, h: { datatype: 'FP32' as const, shape: [2, 2, 1], data: new Float32Array([11, 12, 21, 22]) }, sr: { datatype: 'FP32' as const, shape: [], data: new Float32Array([7]) } };
  assert.equal(batchKeyOf(a, specs, true), batchKeyOf(b, specs, true), 'same non-batched values and masked shapes');
  const merged = mergeInputs([a, b], specs);
  assert.deepEqual(merged.x?.shape, [3, 2]);
  assert.deepEqual(Array.from(merged.x.data as Float32Array), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(merged.h?.shape, [2, 3, 1]);
  assert.deepEqual(Array.from(merged.h.data as Float32Array), [10, 11, 12, 20, 21, 22], 'axis 1: each outer slice interleaves the members');
  const hB = sliceOutput(merged.h, 1, 1, 2);
  assert.deepEqual([hB.shape, Array.from(hB.data as Float32Array)], [[2, 2, 1], [11, 12, 21, 22]]);
  const xA = sliceOutput(merged.x, 0, 0, 1);
  assert.deepEqual(Array.from(xA.data as Float32Array), [1, 2]);
  const c = { ...a, sr: { datatype: 'FP32' as const, shape: [], data: new Float32Array([8]) } };
  assert.notEqual(batchKeyOf(c, specs, true), batchKeyOf(a, specs, true), 'a different sample rate never shares a batch');
  assert.equal(batchKeyOf(a, specs, false), undefined);
});

let server: EmbeddedServer;
before(async () => {
  server = await startTestServer(DEMO_REPOSITORY);
});
after(() => server.close());

function identity(values: number[], headers: Record<string, string> = {}) {
  return server.app.inject({
    method: 'POST',
    url: '/v2/models/identity/infer',
    headers,
    payload: { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, values.length], data: values }] },
  });
}

test('concurrent requests share batches and each gets exactly its own answer', async () => {
  const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => identity([i, i + 0.5, -(i + 1)])));
  const sizes = responses.map((r) => Number(r.headers['x-switchyard-batch-size']));
  responses.forEach((r, i) => {
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json<{ outputs: { data: number[]; shape: number[] }[] }>().outputs[0], { name: 'output', datatype: 'FP32', shape: [1, 3], data: [i, i + 0.5, -(i + 1)] });
  });
  assert.ok(Math.max(...sizes) > 1, `some requests ran batched: ${sizes.join(',')}`);
  assert.match(String(responses[0]?.headers['x-switchyard-replica']), /^identity:1#0$/);
  assert.equal(responses[0]?.headers['x-switchyard-node'], 'local');
  const metrics = (await server.app.inject({ method: 'GET', url: '/metrics' })).body;
  const batches = /switchyard_batch_size_count\{model="identity",version="1",hardware_class="cpu-[a-z0-9]+"\} (\d+)/.exec(metrics);
  const rows = /switchyard_batch_size_sum\{model="identity",version="1",hardware_class="cpu-[a-z0-9]+"\} (\d+)/.exec(metrics);
  assert.ok(batches && rows, 'batch sizes are observed per batch');
  assert.equal(Number(rows[1]), 40, 'every row counted once');
  assert.ok(Number(batches[1]) < 40, 'in fewer batches than requests');
  assert.match(metrics, /switchyard_inference_queue_seconds_count\{model="identity",version="1",hardware_class="cpu-[a-z0-9]+",latency_class="realtime"\} 40/);
  assert.match(metrics, /switchyard_queue_depth\{model="identity",version="1"\} 0/);
});

test('requests with different non-batch dimensions never share a batch', async () => {
  const responses = await Promise.all([identity([1, 2]), identity([1, 2, 3]), identity([3, 4])]);
  const [a, b, c] = responses.map((r) => r.json<{ outputs: { data: number[] }[] }>().outputs[0]?.data);
  assert.deepEqual([a, b, c], [[1, 2], [1, 2, 3], [3, 4]]);
});

test('scheduling hints travel as headers or parameters; bad ones are a 400 HINT_INVALID', async () => {
  const ok = await identity([1], { 'x-switchyard-priority': 'critical', 'x-switchyard-latency-class': 'throughput', 'x-switchyard-deadline-ms': '5000' });
  assert.equal(ok.statusCode, 200, ok.body);
  const parameters = ok.json<{ parameters: Record<string, unknown> }>().parameters;
  assert.equal(parameters.priority, 'critical');
  assert.equal(parameters.latency_class, 'throughput');
  const cases: [Record<string, string>, object, RegExp][] = [
    [{ 'x-switchyard-priority': 'urgent' }, {}, /priority 'urgent' is not one of critical, standard, sheddable/],
    [{ 'x-switchyard-latency-class': 'batch' }, {}, /latency class 'batch'/],
    [{ 'x-switchyard-deadline-ms': '-5' }, {}, /deadline-ms must be a number above 0/],
    [{ 'x-switchyard-deadline-ms': '100' }, { timeout: 50000 }, /deadline 100 ms contradicts Triton timeout 50000 µs/],
    [{ 'x-switchyard-priority': 'critical' }, { priority: 'sheddable' }, /header x-switchyard-priority says 'critical' but parameter priority says 'sheddable'/],
    [{}, { priority: 1.5 }, /Triton priority level/],
    [{ 'x-switchyard-hint-hardware': 'h100;rm -rf' }, {}, /comma-separated list of hardware class names/],
    [{ 'x-switchyard-latency-class': 'realtime', 'x-switchyard-timeout-action': 'delay' }, {}, /contradicts the realtime latency class/],
  ];
  for (const [headers, params, message] of cases) {
    const response = await server.app.inject({
      method: 'POST',
      url: '/v2/models/identity/infer',
      headers,
      payload: { parameters: params, inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 1], data: [1] }] },
    });
    assert.equal(response.statusCode, 400, `${JSON.stringify(headers)} ${JSON.stringify(params)}: ${response.body}`);
    const error = response.json<{ code: string; error: string }>();
    assert.equal(error.code, 'HINT_INVALID');
    assert.match(error.error, message);
  }
});

test('Triton priority and timeout parameters are honoured; an impossible deadline is refused at once', async () => {
  const response = await server.app.inject({
    method: 'POST',
    url: '/v2/models/identity/infer',
    payload: { parameters: { priority: 1, timeout: 2_000_000 }, inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 1], data: [1] }] },
  });
  assert.equal(response.json<{ parameters: { priority: string } }>().parameters.priority, 'critical');
  const unknownHardware = await identity([1], { 'x-switchyard-hint-hardware': 'h100' });
  assert.equal(unknownHardware.statusCode, 400);
  assert.equal(unknownHardware.json<{ code: string }>().code, 'HINTS_UNSATISFIABLE');
  const tooTight = await identity([1], { 'x-switchyard-deadline-ms': '0.000001' });
  assert.equal(tooTight.statusCode, 503);
  assert.equal(tooTight.json<{ code: string }>().code, 'DEADLINE_INFEASIBLE');
  assert.ok(Number(tooTight.headers['retry-after']) >= 1);
});

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EmbeddedServer } from '../../src/main/server.js';
import { digestOf, matmulChain, reshapeToThrees, scratchRepository, writeVersion } from '../fixtures/onnx-fixtures.js';
import { startTestServer } from '../helpers/server.js';

let server: EmbeddedServer;

before(async () => {
  const root = scratchRepository();
  const reshape = reshapeToThrees();
  writeVersion(root, 'reshape', '1', {
    'model.onnx': reshape,
    'model.yaml': `backend: onnx\nartifact: model.onnx\ndigest: ${digestOf(reshape)}\nmax_batch_size: 8\ninputs:\n  - { name: x, datatype: FP32, shape: [-1, -1], batch_axis: 0 }\noutputs:\n  - { name: y, datatype: FP32, shape: [-1, 3] }\n`,
  });
  const slow = matmulChain(512, 100);
  writeVersion(root, 'slow', '1', {
    'model.onnx': slow,
    'model.yaml': `backend: onnx\nartifact: model.onnx\nmax_batch_size: 256\ninputs:\n  - { name: x, datatype: FP32, shape: [-1, 512], batch_axis: 0 }\noutputs:\n  - { name: y, datatype: FP32, shape: [-1, 512], batch_axis: 0 }\n`,
  });
  server = await startTestServer(root, { max_queue_per_model: 1 });
});
after(() => server.close());

test('a failure inside ONNX Runtime is a 500 that names a trace id and no internals', async () => {
  const response = await server.app.inject({
    method: 'POST',
    url: '/v2/models/reshape/infer',
    payload: { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] },
  });
  assert.equal(response.statusCode, 500);
  const error = response.json<{ error: string; code: string; retryable: boolean }>();
  assert.equal(error.code, 'INFERENCE_FAILED');
  const traceId = String(response.headers.traceparent).split('-')[1];
  assert.equal(error.error, `inference failed on model 'reshape' version 1; trace ${traceId} in the server log has the details`);
  assert.doesNotMatch(response.body, /Reshape|ONNX|onnxruntime|\.cc|\n\s+at /);
  const fine = await server.app.inject({
    method: 'POST',
    url: '/v2/models/reshape/infer',
    payload: { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 6], data: [1, 2, 3, 4, 5, 6] }] },
  });
  assert.equal(fine.statusCode, 200, 'the model keeps serving after a failed run');
  assert.deepEqual(fine.json<{ outputs: { shape: number[] }[] }>().outputs[0]?.shape, [2, 3]);
});

test('a full queue answers 503 OVERLOADED with Retry-After and loses nothing it accepted', async () => {
  const payload = { inputs: [{ name: 'x', datatype: 'FP32', shape: [64, 512], data: new Array<number>(64 * 512).fill(0.1) }] };
  // max_queue_per_model is 1: one request runs, a second may be staged behind it on the worker
  // (whether it already is depends on timing), one waits; every later one is refused at once.
  const responses = await Promise.all([0, 1, 2, 3, 4, 5].map(() => server.app.inject({ method: 'POST', url: '/v2/models/slow/infer', payload })));
  const statuses = responses.map((r) => r.statusCode);
  const served = statuses.filter((s) => s === 200).length;
  assert.ok(served >= 2 && served <= 3, `served ${served}: ${statuses.join(',')}`);
  assert.equal(statuses.filter((s) => s === 503).length, 6 - served, 'every other request was refused, none lost');
  for (const refused of responses.filter((r) => r.statusCode === 503)) {
    assert.ok(Number(refused.headers['retry-after']) >= 1);
    assert.equal(refused.json<{ code: string }>().code, 'OVERLOADED');
    assert.match(refused.json<{ error: string }>().error, /slow:1 is saturated: 1 requests are waiting/);
  }
});

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Pool, request } from 'undici';
import type { EmbeddedServer } from '../../src/main/server.js';
import { matmulChain, scratchRepository, writeVersion } from '../fixtures/onnx-fixtures.js';
import { startTestServer } from '../helpers/server.js';

// Over a real loopback socket: three times more requests at once than the server can hold.
// Timings are not asserted (the machine is shared); what must always hold is.
let server: EmbeddedServer;
let origin: string;
const MAX_QUEUE = 8;
const DIM = 256;

before(async () => {
  const root = scratchRepository();
  writeVersion(root, 'slow', '1', {
    'model.onnx': matmulChain(DIM, 40),
    'model.yaml': `backend: onnx\nartifact: model.onnx\nmax_batch_size: 1\ninputs:\n  - { name: x, datatype: FP32, shape: [-1, ${DIM}], batch_axis: 0 }\noutputs:\n  - { name: y, datatype: FP32, shape: [-1, ${DIM}], batch_axis: 0 }\n`,
  });
  writeVersion(root, 'slow-static', '1', {
    'model.onnx': matmulChain(DIM, 40),
    'model.yaml': `backend: onnx\nartifact: model.onnx\nmax_batch_size: 1\ninputs:\n  - { name: x, datatype: FP32, shape: [-1, ${DIM}], batch_axis: 0 }\noutputs:\n  - { name: y, datatype: FP32, shape: [-1, ${DIM}], batch_axis: 0 }\nfallbacks:\n  - { kind: static, outputs: { y: [${new Array(DIM).fill(0).join(', ')}] } }\n`,
  });
  server = await startTestServer(root, { max_queue_per_model: MAX_QUEUE, port: 0 });
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const address = server.app.server.address();
  assert.ok(address && typeof address === 'object');
  origin = `http://127.0.0.1:${address.port}`;
});
after(() => server.close());

const body = JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, DIM], data: new Array<number>(DIM).fill(0.5) }] });
const PRIORITIES = ['critical', 'standard', 'sheddable', 'sheddable', 'standard', 'sheddable', 'sheddable', 'standard', 'sheddable', 'sheddable'] as const;

test('at three times what it can hold: every request answered once, refusals are 503 with Retry-After, critical work served, memory bounded', async () => {
  const pool = new Pool(origin, { connections: 64 });
  const rssBefore = process.memoryUsage().rss;
  const total = MAX_QUEUE * 3 * 3; // three waves of three times the queue
  const answers: { priority: string; status: number; code?: string; retryAfter?: string }[] = [];
  for (let wave = 0; wave < 3; wave++) {
    const batch = await Promise.all(
      Array.from({ length: total / 3 }, async (_, i) => {
        const priority = PRIORITIES[i % PRIORITIES.length]!;
        const r = await request(`${origin}/v2/models/slow/infer`, { dispatcher: pool, method: 'POST', headers: { 'content-type': 'application/json', 'x-switchyard-priority': priority }, body });
        const text = await r.body.text();
        const retryAfter = r.headers['retry-after'];
        return { priority, status: r.statusCode, code: r.statusCode === 200 ? undefined : (JSON.parse(text) as { code: string }).code, retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined };
      }),
    );
    answers.push(...batch);
  }
  await pool.close();
  assert.equal(answers.length, total, 'every request answered exactly once');
  for (const a of answers) {
    assert.ok(a.status === 200 || a.status === 503, `status ${a.status} (${a.code ?? ''})`);
    if (a.status === 503) {
      assert.equal(a.code, 'OVERLOADED');
      assert.ok(Number(a.retryAfter) >= 1, 'a refusal says when to retry');
    }
  }
  assert.ok(answers.some((a) => a.status === 503), 'the server refused some work rather than queueing it all');
  assert.ok(answers.filter((a) => a.priority === 'critical').every((a) => a.status === 200), 'critical requests are never refused while sheddable work can make room');
  assert.ok(answers.filter((a) => a.status === 503).every((a) => a.priority !== 'critical'));
  const grown = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
  assert.ok(grown < 200, `memory grew ${grown.toFixed(0)} MiB`);
  // Still up and serving.
  const after = await server.app.inject({ method: 'POST', url: '/v2/models/slow/infer', headers: { 'content-type': 'application/json' }, payload: body });
  assert.equal(after.statusCode, 200);
});

test('with a fallback chain, refusals under overload become answers that say so', async () => {
  const answers = await Promise.all(
    Array.from({ length: MAX_QUEUE * 3 }, () => server.app.inject({ method: 'POST', url: '/v2/models/slow-static/infer', headers: { 'content-type': 'application/json', 'x-switchyard-priority': 'sheddable' }, payload: body })),
  );
  assert.ok(answers.every((a) => a.statusCode === 200), 'every request answered 200');
  const fallbacks = answers.filter((a) => a.headers['x-switchyard-fallback'] !== undefined);
  assert.ok(fallbacks.length > 0, 'some were answered by the static fallback');
  for (const a of fallbacks) {
    assert.equal(a.headers['x-switchyard-fallback'], 'static:answer; reason=overloaded');
    assert.deepEqual(a.json<{ outputs: { shape: number[] }[] }>().outputs[0]?.shape, [1, DIM]);
  }
});

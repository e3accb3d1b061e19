/**
 * Urgency crosses the data plane (protocol 1.1): a batch holding a critical request reaches the
 * node's backend marked urgent, so the node raises its lowered compute thread as the gateway
 * would its own; other batches go unmarked. A gateway without local replicas and one agent,
 * over real sockets, in this process.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from '../../src/agent/agent.js';
import type { EmbeddedServer } from '../../src/main/server.js';
import type { LoadBackend, RunOptions } from '../../src/runtime/backend.js';
import { loadOnnxBackend } from '../../src/runtime/onnx/onnx-backend.js';
import type { Device } from '../../src/hardware/device.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { DEMO_REPOSITORY, startTestServer } from '../helpers/server.js';

const TOKEN = 'test-token-0123456789';
const cpu: Device = { id: 'cpu:0', kind: 'cpu', vendor: 'amd', name: 'test cpu', class: 'cpu-x86', memoryBytes: 8 * 2 ** 30, tier: 'onprem', real: true, source: 'os' };

/** What each batch the node's backends ran was told: the `urgent` option, per batch. */
const seen: (boolean | undefined)[] = [];

/** Real ONNX backends whose runs are recorded before they go on. */
const recording: LoadBackend = async (spec) => {
  const loaded = await loadOnnxBackend(spec);
  const { backend } = loaded;
  const run = backend.run.bind(backend);
  backend.run = (inputs, names, options?: RunOptions) => {
    seen.push(options?.urgent);
    return run(inputs, names, options);
  };
  return loaded;
};

let server: EmbeddedServer;
let node: Agent;

before(async () => {
  server = await startTestServer(DEMO_REPOSITORY, { 'cluster.token': TOKEN, 'cluster.local_replicas': 'false', 'cluster.heartbeat_ms': 200 });
  const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  node = new Agent({
    joinUrl: url,
    token: TOKEN,
    name: 'edge-1',
    tier: 'onprem',
    host: '127.0.0.1',
    port: 0,
    modelRepository: DEMO_REPOSITORY,
    devices: [cpu],
    loadBackend: recording,
    onnx: { executionProvider: 'cpu', intraOpThreads: 1, instances: 1, inlineBelowMs: 0 },
    log: silentLogger(),
  });
  await node.start();
});

after(async () => {
  await node.stop();
  await server.close();
});

async function infer(priority: string): Promise<number> {
  const answer = await server.app.inject({
    method: 'POST',
    url: '/v2/models/identity/infer',
    headers: { 'x-switchyard-priority': priority },
    payload: { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 2], data: [1, 2] }] },
  });
  assert.equal(answer.headers['x-switchyard-node'], 'edge-1', answer.body);
  return answer.statusCode;
}

test('a critical request reaches the node marked urgent; standard and sheddable ones do not', async () => {
  // The node's replica becomes ready after its join and health check: poll with standard requests.
  const end = Date.now() + 30_000;
  for (;;) {
    const answer = await server.app.inject({ method: 'POST', url: '/v2/models/identity/infer', payload: { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 1], data: [0] }] } });
    if (answer.statusCode === 200) break;
    if (Date.now() > end) throw new Error(`the node's replica never served: ${answer.body}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  seen.length = 0;
  assert.equal(await infer('standard'), 200);
  assert.equal(await infer('critical'), 200);
  assert.equal(await infer('sheddable'), 200);
  assert.deepEqual(seen, [undefined, true, undefined]);
});

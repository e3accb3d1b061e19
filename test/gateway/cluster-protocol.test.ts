/**
 * Both ends of the control plane check what they receive against control-protocol.ts: the
 * gateway refuses a malformed join or heartbeat with 400 INVALID_REQUEST naming the field (a
 * malformed heartbeat used to be read as an empty one), and the agent refuses a malformed
 * answer with a clear message instead of reading `String(undefined)` as its node id.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, AgentJoinError } from '../../src/agent/agent.js';
import type { EmbeddedServer } from '../../src/main/server.js';
import { DATAPLANE_PROTOCOL } from '../../src/runtime/remote/protocol.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { DEMO_REPOSITORY, startTestServer } from '../helpers/server.js';

const TOKEN = 'test-token-0123456789';
const join = { name: 'node-a', dataplane_url: 'http://127.0.0.1:9', tier: 'onprem', devices: [], agent_version: 't', protocol: DATAPLANE_PROTOCOL };

let server: EmbeddedServer;

before(async () => {
  server = await startTestServer(DEMO_REPOSITORY, { 'cluster.token': TOKEN, 'cluster.local_replicas': 'false', 'cluster.heartbeat_ms': 60_000 });
});

after(async () => {
  await server.close();
});

async function post(url: string, bearer: string, payload: unknown): Promise<{ status: number; code: string | undefined; error: string | undefined; body: Record<string, unknown> }> {
  const response = await server.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
  const body = response.json<Record<string, unknown>>();
  return { status: response.statusCode, code: body.code as string | undefined, error: body.error as string | undefined, body };
}

test('the gateway refuses a malformed join with INVALID_REQUEST naming the field', async () => {
  const cases: [unknown, RegExp][] = [
    [{ ...join, name: 'no spaces allowed' }, /name must be 1-63 letters/],
    [{ ...join, devices: [{ id: 'gpu:0', kind: 'gpu' }] }, /devices\[0\] needs id, kind and memoryBytes/],
    [{ ...join, tier: 'moon' }, /tier must be/],
    [{ ...join, agent_version: 3 }, /agent_version must be string/],
  ];
  for (const [payload, message] of cases) {
    const answer = await post('/internal/v1/join', TOKEN, payload);
    assert.equal(answer.status, 400, JSON.stringify(payload));
    assert.equal(answer.code, 'INVALID_REQUEST');
    assert.match(answer.error ?? '', message);
  }
  // The version is read before the shape: another major may have another shape.
  const future = await post('/internal/v1/join', TOKEN, { protocol: 'switchyard-dataplane/2.0', name: 7 });
  assert.equal(future.code, 'DATAPLANE_PROTOCOL_UNSUPPORTED');
});

test('the gateway refuses a malformed heartbeat with INVALID_REQUEST naming the field, and takes a good one', async () => {
  const joined = await post('/internal/v1/join', TOKEN, join);
  assert.equal(joined.status, 200);
  const id = String(joined.body.node_id);
  const secret = String(joined.body.node_secret);
  const cases: [unknown, RegExp][] = [
    [{ draining: false, replicas: 'none' }, /replicas must be array/],
    [{ draining: 'no', replicas: [] }, /draining must be boolean/],
    [{ draining: false, replicas: [{ replica: 'x', state: 'sleeping' }] }, /replicas\[0\]\.state/],
    [{ replicas: [] }, /draining is missing/],
  ];
  for (const [payload, message] of cases) {
    const answer = await post(`/internal/v1/nodes/${id}/heartbeat`, secret, payload);
    assert.equal(answer.status, 400, JSON.stringify(payload));
    assert.equal(answer.code, 'INVALID_REQUEST');
    assert.match(answer.error ?? '', message);
  }
  const good = await post(`/internal/v1/nodes/${id}/heartbeat`, secret, { draining: false, replicas: [], telemetry: { load_1m: 0 } });
  assert.equal(good.status, 200);
  assert.deepEqual(good.body, { assignments: [] });
});

/** A gateway that answers join and heartbeat with whatever the test sets. */
let fake: Server;
let joinAnswer: unknown;
let heartbeatAnswer: unknown;
let heartbeats = 0;
let lastHeartbeat: { replicas?: unknown } = {};

before(async () => {
  fake = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      if (request.url?.endsWith('/heartbeat')) {
        heartbeats++;
        lastHeartbeat = JSON.parse(text) as { replicas?: unknown };
      }
      const answer = request.url === '/internal/v1/join' ? joinAnswer : request.url?.endsWith('/heartbeat') ? heartbeatAnswer : {};
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
});

after(async () => {
  fake.closeAllConnections();
  await new Promise<void>((resolve) => fake.close(() => resolve()));
});

function agentOf(): Agent {
  return new Agent({
    joinUrl: `http://127.0.0.1:${(fake.address() as AddressInfo).port}`,
    token: TOKEN,
    name: 'node-b',
    tier: 'onprem',
    host: '127.0.0.1',
    port: 0,
    modelRepository: DEMO_REPOSITORY,
    devices: [],
    loadBackend: () => Promise.reject(new Error('no loads in this test')),
    onnx: { executionProvider: 'cpu', intraOpThreads: 1, instances: 1, inlineBelowMs: 0.2 },
    log: silentLogger(),
  });
}

test('the agent refuses a malformed join answer with a message naming the field', async () => {
  for (const [answer, message] of [
    [{ node_id: 'n1', heartbeat_ms: 100, protocol: DATAPLANE_PROTOCOL }, /join answer: node_secret is missing/],
    [{ node_id: 'n1', node_secret: 's', heartbeat_ms: '100', protocol: DATAPLANE_PROTOCOL }, /heartbeat_ms must be number/],
    [{ node_id: 'n1', node_secret: 's', heartbeat_ms: 100, protocol: 'switchyard-dataplane/2.0' }, /the gateway's protocol: .*major versions differ/],
  ] as const) {
    joinAnswer = answer;
    const agent = agentOf();
    try {
      await assert.rejects(agent.start(), (e: unknown) => e instanceof AgentJoinError && message.test(e.message));
    } finally {
      await agent.stop();
    }
  }
});

test('the agent refuses a malformed heartbeat answer and heartbeats on', async () => {
  joinAnswer = { node_id: 'n1', node_secret: 's', heartbeat_ms: 20, protocol: DATAPLANE_PROTOCOL };
  heartbeatAnswer = { assignments: [{ replica: 'r1', model: 'm' }] };
  heartbeats = 0;
  const agent = agentOf();
  after(() => agent.stop());
  await agent.start();
  const end = Date.now() + 10_000;
  while (heartbeats < 3 && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(heartbeats >= 3, 'still heartbeating after malformed answers');
  assert.deepEqual(lastHeartbeat.replicas, [], 'the half assignment was not taken');
  assert.equal(agent.id, 'n1');
});

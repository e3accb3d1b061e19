/**
 * In-process cluster: a gateway over real sockets and agents in the same process. Join and
 * secret checks, the protocol version check, the digest check before load, /v1/nodes.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { Agent, AgentJoinError } from '../../src/agent/agent.js';
import type { EmbeddedServer } from '../../src/main/server.js';
import { loadOnnxBackend } from '../../src/runtime/onnx/onnx-backend.js';
import type { Device } from '../../src/hardware/device.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { DEMO_REPOSITORY, startTestServer } from '../helpers/server.js';

const TOKEN = 'test-token-0123456789';
const HEARTBEAT_MS = 200;
const cpu: Device = { id: 'cpu:0', kind: 'cpu', vendor: 'amd', name: 'test cpu', class: 'cpu-x86', memoryBytes: 8 * 2 ** 30, tier: 'onprem', real: true, source: 'os' };

let server: EmbeddedServer;
let url: string;
const agents: Agent[] = [];

function agent(name: string, repository: string, overrides: { protocol?: string; token?: string } = {}): Agent {
  const a = new Agent({
    joinUrl: url,
    token: overrides.token ?? TOKEN,
    name,
    tier: 'onprem',
    host: '127.0.0.1',
    port: 0,
    modelRepository: repository,
    devices: [cpu],
    loadBackend: loadOnnxBackend,
    onnx: { executionProvider: 'cpu', intraOpThreads: 1, instances: 1, inlineBelowMs: 0.2 },
    log: silentLogger(),
    ...(overrides.protocol ? { protocol: overrides.protocol } : {}),
  });
  agents.push(a);
  return a;
}

interface NodeView {
  name: string;
  state: string;
  replicas: { model: string; state: string }[];
  refused: { deployment: string; reason: string }[];
}

async function nodes(): Promise<NodeView[]> {
  const response = await server.app.inject({ method: 'GET', url: '/v1/nodes', headers: { authorization: `Bearer ${server.initialAdminKey ?? ''}` } });
  return response.json<{ nodes: NodeView[] }>().nodes;
}

/** Polls a condition (no fixed sleeps): resolves when it holds, fails after the timeout. */
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

before(async () => {
  server = await startTestServer(DEMO_REPOSITORY, { 'cluster.token': TOKEN, 'cluster.local_replicas': 'false', 'cluster.heartbeat_ms': HEARTBEAT_MS });
  url = await server.app.listen({ host: '127.0.0.1', port: 0 });
});

after(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  await server.close();
});

test('/v1/nodes answers CLUSTER_DISABLED on a server without a cluster token', async () => {
  const plain = await startTestServer(DEMO_REPOSITORY);
  const response = await plain.app.inject({ method: 'GET', url: '/v1/nodes', headers: { authorization: `Bearer ${plain.initialAdminKey ?? ''}` } });
  assert.equal(response.statusCode, 404);
  assert.equal(response.json<{ code: string }>().code, 'CLUSTER_DISABLED');
  await plain.close();
});

test('a wrong join token is refused; so is a wrong node secret, and an unknown node is told to rejoin', async () => {
  await assert.rejects(agent('intruder', DEMO_REPOSITORY, { token: 'wrong-token-0123456789' }).start(), (e: unknown) => e instanceof AgentJoinError && /401 "JOIN_TOKEN_INVALID"/.test(e.message));
  const forged = await request(`${url}/internal/v1/nodes/node-1/heartbeat`, { method: 'POST', headers: { authorization: 'Bearer nope', 'content-type': 'application/json' }, body: '{}' });
  assert.equal(forged.statusCode, 410);
  await forged.body.text();
});

test('a different protocol major version is refused at join with a clear error; another minor is fine', async () => {
  await assert.rejects(agent('future', DEMO_REPOSITORY, { protocol: 'switchyard-dataplane/2.0' }).start(), (e: unknown) => e instanceof AgentJoinError && /DATAPLANE_PROTOCOL_UNSUPPORTED.*major versions differ/.test(e.message));
  const newer = agent('newer-minor', DEMO_REPOSITORY, { protocol: 'switchyard-dataplane/1.9' });
  await newer.start();
  await until('the 1.9 node to be ready', async () => ((await nodes()).find((n) => n.name === 'newer-minor')?.state === 'ready' ? true : undefined));
  await newer.drain();
  await until('the node to leave', async () => ((await nodes()).find((n) => n.name === 'newer-minor')?.state === 'left' ? true : undefined));
});

test('an agent whose artifact differs from the assigned digest refuses the replica before load; it is placed on another node', async () => {
  const tampered = mkdtempSync(join(tmpdir(), 'switchyard-tampered-'));
  cpSync(join(DEMO_REPOSITORY, 'identity'), join(tampered, 'identity'), { recursive: true });
  // Drop the pinned digest so only the gateway's assignment can catch the change, then change the bytes.
  const yaml = join(tampered, 'identity', '1', 'model.yaml');
  writeFileSync(yaml, readFileSync(yaml, 'utf8').replace(/^digest:.*$/m, ''));
  const onnx = join(tampered, 'identity', '1', 'model.onnx');
  writeFileSync(onnx, Buffer.concat([readFileSync(onnx), Buffer.from([0])]));

  await agent('tampered', tampered).start();
  const bad = await until('the tampered node to refuse identity', async () => {
    const node = (await nodes()).find((n) => n.name === 'tampered');
    return node?.refused.some((r) => r.deployment === 'identity:1') ? node : undefined;
  });
  assert.match(bad.refused.find((r) => r.deployment === 'identity:1')!.reason, /artifact digest mismatch: the gateway assigned sha256:a9aa51c7.* but this node's 'model.onnx' is sha256:/);
  assert.ok(!bad.replicas.some((r) => r.model === 'identity'));

  await agent('good', DEMO_REPOSITORY).start();
  await until('identity to be ready on the good node', async () => ((await nodes()).find((n) => n.name === 'good')?.replicas.some((r) => r.model === 'identity' && r.state === 'ready') ? true : undefined));
  const answer = await server.app.inject({ method: 'POST', url: '/v2/models/identity/infer', payload: { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }] } });
  assert.equal(answer.statusCode, 200);
  assert.equal(answer.headers['x-switchyard-node'], 'good');
  assert.deepEqual(answer.json<{ outputs: { data: number[] }[] }>().outputs[0]?.data, [1, 2, 3]);
});

test('`up` with a cluster token still serves on its own replicas (node local) and lists no nodes yet', async () => {
  const up = await startTestServer(DEMO_REPOSITORY, { 'cluster.token': TOKEN });
  const answer = await up.app.inject({ method: 'POST', url: '/v2/models/identity/infer', payload: { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 2], data: [5, 6] }] } });
  assert.equal(answer.statusCode, 200);
  assert.equal(answer.headers['x-switchyard-node'], 'local');
  const list = await up.app.inject({ method: 'GET', url: '/v1/nodes', headers: { authorization: `Bearer ${up.initialAdminKey ?? ''}` } });
  assert.deepEqual(list.json(), { nodes: [] });
  const metrics = await up.app.inject({ method: 'GET', url: '/metrics' });
  assert.match(metrics.body, /^switchyard_cluster_nodes\{state="ready"\} 0$/m);
  await up.close();
});

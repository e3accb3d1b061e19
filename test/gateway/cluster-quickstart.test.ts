/**
 * The README's cluster quick start over real sockets: a gateway with no replicas of its own is
 * not ready (and says so) until an agent serves something; then the agent hosts every model the
 * index lists ready, the rules demo model and a registry version included (before, it loaded
 * the rules model as ONNX and looked for registry versions in its own repository, and refused both).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileConfig } from '../../src/core/config.js';
import { Agent } from '../../src/agent/agent.js';
import { registryDeps } from '../../src/main/registry-wiring.js';
import type { EmbeddedServer } from '../../src/main/server.js';
import type { Device } from '../../src/hardware/device.js';
import { parsePushMetadata } from '../../src/registry/service/push-request.js';
import { openSqliteStorage } from '../../src/registry/storage/sqlite/open-sqlite.js';
import { loadOnnxBackend } from '../../src/runtime/onnx/onnx-backend.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { matmulChain } from '../fixtures/onnx-fixtures.js';
import { adminHeaders, DEMO_REPOSITORY, startTestServer } from '../helpers/server.js';

const TOKEN = 'quickstart-token-0123456789';
const cpu: Device = { id: 'cpu:0', kind: 'cpu', vendor: 'amd', name: 'test cpu', class: 'cpu-x86', memoryBytes: 8 * 2 ** 30, tier: 'onprem', real: true, source: 'os' };
const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-quickstart-'));
let server: EmbeddedServer;
let url: string;
let agent: Agent | undefined;

before(async () => {
  // A registry model in production, as after push -> approve -> promote.
  const config = compileConfig(new Map([['data_dir', { value: dataDir, source: 'test' }], ['registry', { value: { gates: { approvals: [] } }, source: 'test' }]]), process.cwd());
  const storage = await openSqliteStorage({ path: join(dataDir, 'switchyard.db') });
  const { service } = registryDeps(config, storage);
  const actor = { keyId: 'k1', roles: ['admin' as const] };
  const contract = { inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 4] }], max_batch_size: 4 };
  await service.push(actor, 'governed', '1', parsePushMetadata({ contract }), { kind: 'file', fileName: 'model.onnx', bytes: matmulChain(4, 1) });
  for (const to of ['staged', 'approved', 'production'] as const) await service.transition(actor, 'governed', '1', to, 'test');
  await storage.close();
  server = await startTestServer(DEMO_REPOSITORY, { data_dir: dataDir, 'cluster.token': TOKEN, 'cluster.local_replicas': 'false', 'cluster.heartbeat_ms': 200 });
  url = await server.app.listen({ host: '127.0.0.1', port: 0 });
});

after(async () => {
  await agent?.stop();
  await server.close();
});

async function get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${url}${path}`, { headers: adminHeaders(server) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function infer(model: string, inputs: object[]): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${url}/v2/models/${model}/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs }) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Polls a condition (no fixed sleeps): resolves when it holds, fails after the timeout. */
async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const sentiment = [{ name: 'text', datatype: 'BYTES', shape: [1], data: ['what a great day'] }];

test('a gateway without agents is not ready, and neither are its models, while inference answers 503', async () => {
  assert.equal((await get('/v2/health/live')).status, 200);
  const ready = await get('/v2/health/ready');
  assert.deepEqual(ready, { status: 503, body: { ready: false } });
  assert.equal((await get('/v2/models/text-sentiment-rules/ready')).status, 503);
  assert.equal((await infer('text-sentiment-rules', sentiment)).status, 503);
});

test('with one agent the gateway is ready and serves the rules demo model and a registry version through it', async () => {
  agent = new Agent({
    joinUrl: url,
    token: TOKEN,
    name: 'node-a',
    tier: 'onprem',
    host: '127.0.0.1',
    port: 0,
    modelRepository: DEMO_REPOSITORY,
    devices: [cpu],
    loadBackend: loadOnnxBackend,
    onnx: { executionProvider: 'cpu', intraOpThreads: 1, instances: 1, inlineBelowMs: 0.2 },
    log: silentLogger(),
  });
  await agent.start();
  await until('the gateway to be ready', async () => (await get('/v2/health/ready')).status === 200);
  await until('text-sentiment-rules to be ready', async () => (await get('/v2/models/text-sentiment-rules/ready')).status === 200);
  const rules = await infer('text-sentiment-rules', sentiment);
  assert.equal(rules.status, 200, JSON.stringify(rules.body));
  assert.equal((rules.body.parameters as { backend: string; node: string }).backend, 'rules');
  assert.equal((rules.body.parameters as { backend: string; node: string }).node, 'node-a');
  const scores = (rules.body.outputs as { data: number[] }[])[0]?.data ?? [];
  assert.ok((scores[3] ?? 0) > 0.05, `positive compound score, got ${scores.join(', ')}`);

  await until('the registry version to be ready', async () => (await get('/v2/models/governed/ready')).status === 200);
  const governed = await infer('governed', [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }]);
  assert.equal(governed.status, 200, JSON.stringify(governed.body));

  const { body } = await get('/v1/nodes');
  const node = (body.nodes as { name: string; refused: unknown[]; replicas: { model: string; state: string }[] }[])[0];
  assert.deepEqual(node?.refused, [], 'the agent refused nothing the index lists ready');
  const index = (await (await fetch(`${url}/v2/repository/index`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"ready": true}' })).json()) as { name: string }[];
  for (const { name } of index) {
    await until(`${name} to be ready on the agent`, async () => (await get(`/v2/models/${name}/ready`)).status === 200);
  }
});

/**
 * /v1/keys, /v1/tenants and /v1/audit end to end: a key is shown once and stored hashed, works
 * until revoked, a tenant's key reaches only its models, and every change plus every inference
 * summary lands in a verifiable audit chain without the raw input.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { verifyAuditChain } from '../../../src/registry/audit/audit-chain.js';
import { auditRows } from '../../../src/registry/audit/audit-rows.js';
import type { EmbeddedServer } from '../../../src/main/server.js';
import { DEMO_REPOSITORY, startTestServer } from '../../helpers/server.js';

let server: EmbeddedServer;
let admin: string;

before(async () => {
  server = await startTestServer(DEMO_REPOSITORY, { 'audit.flush_interval_ms': 60000, 'audit.flush_max_rows': 1000 });
  admin = server.initialAdminKey ?? '';
});
after(() => server.close());

interface KeyBody { id: string; key: string; prefix: string; roles: string[]; revoked_at: string | null }
interface ErrorBody { code: string; error: string }
interface AuditBody { entries: { action: string; actor: string; target: string; before: Record<string, unknown> | null; after: Record<string, unknown> | null; detail: Record<string, unknown> }[] }

const as = (key: string) => ({ authorization: `Bearer ${key}` });

test('the first start creates one admin key, stored only as its hash', async () => {
  assert.match(admin, /^sy_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
  const [row] = await server.storage.listApiKeys();
  assert.equal(row?.hash, createHash('sha256').update(admin).digest('hex'));
  assert.deepEqual(row?.roles, ['admin']);
  const head = await server.storage.auditHead();
  assert.ok(head.seq >= 1, 'its creation is audited');
});

test('keys: created (shown once), listed without secrets, usable, revoked', async () => {
  const created = await server.app.inject({ method: 'POST', url: '/v1/keys', headers: as(admin), payload: { name: 'ci', roles: ['viewer', 'viewer'] } });
  assert.equal(created.statusCode, 201, created.body);
  const body = created.json<KeyBody>();
  assert.deepEqual(body.roles, ['viewer']);
  assert.ok(body.key.startsWith(`${body.prefix}_`));
  const list = await server.app.inject({ method: 'GET', url: '/v1/keys', headers: as(admin) });
  assert.ok(!list.body.includes(body.key) && !list.body.includes('hash'), 'the list shows neither the key nor its hash');
  assert.equal((await server.app.inject({ method: 'GET', url: '/v1/audit/head', headers: as(body.key) })).statusCode, 200, 'a viewer reads the audit head');
  assert.equal((await server.app.inject({ method: 'GET', url: '/v1/keys', headers: as(body.key) })).statusCode, 403);
  const revoked = await server.app.inject({ method: 'DELETE', url: `/v1/keys/${body.id}`, headers: as(admin) });
  assert.equal(revoked.statusCode, 200);
  assert.ok(revoked.json<KeyBody>().revoked_at);
  assert.equal((await server.app.inject({ method: 'GET', url: '/v1/audit/head', headers: as(body.key) })).statusCode, 401, 'revocation applies at once');
  assert.equal((await server.app.inject({ method: 'DELETE', url: '/v1/keys/000000000000', headers: as(admin) })).json<ErrorBody>().code, 'KEY_NOT_FOUND');
  for (const payload of [{ roles: ['root'] }, { roles: [] }, { roles: ['admin'], tenant: 'nope' }, { roles: ['admin'], extra: 1 }, [1]]) {
    const bad = await server.app.inject({ method: 'POST', url: '/v1/keys', headers: as(admin), payload });
    assert.equal(bad.statusCode, 400, JSON.stringify(payload));
    assert.equal(bad.json<ErrorBody>().code, 'INVALID_REQUEST');
  }
});

test("a tenant's key reaches only the tenant's models", async () => {
  const put = await server.app.inject({ method: 'PUT', url: '/v1/tenants/acme', headers: as(admin), payload: { allowed_models: ['identity'], quotas: { requests_per_second: 5 } } });
  assert.equal(put.statusCode, 200, put.body);
  const key = (await server.app.inject({ method: 'POST', url: '/v1/keys', headers: as(admin), payload: { roles: ['invoker'], tenant: 'acme' } })).json<KeyBody>().key;
  const payload = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 2], data: [1, 2] }] };
  assert.equal((await server.app.inject({ method: 'POST', url: '/v2/models/identity/infer', headers: as(key), payload })).statusCode, 200);
  const other = await server.app.inject({ method: 'POST', url: '/v2/models/sensor-anomaly/infer', headers: as(key), payload });
  assert.equal(other.statusCode, 403);
  assert.match(other.json<ErrorBody>().error, /tenant 'acme' may not use model 'sensor-anomaly'/);
});

test('inference summaries are buffered off the request path, then chained with a digest of the input and never the input', async () => {
  await server.flushAudit();
  const before = (await server.storage.auditHead()).seq;
  const payload = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3], data: [123.5, 456.25, 789.125] }] };
  assert.equal((await server.app.inject({ method: 'POST', url: '/v2/models/identity/infer', payload })).statusCode, 200);
  assert.equal((await server.app.inject({ method: 'POST', url: '/v2/models/identity/infer', payload: { inputs: [] } })).statusCode, 400);
  // Refused from its headers (no replica finishes within 1 µs), before the body is read.
  const early = await server.app.inject({ method: 'POST', url: '/v2/models/identity/infer', headers: { 'x-switchyard-priority': 'standard', 'x-switchyard-deadline-ms': '0.001', 'x-switchyard-latency-class': 'throughput' }, payload });
  assert.equal(early.statusCode, 503);
  assert.equal(early.json<ErrorBody>().code, 'DEADLINE_INFEASIBLE');
  const again = await server.app.inject({ method: 'POST', url: '/v2/models/identity/infer', headers: { 'x-switchyard-priority': 'standard', 'x-switchyard-deadline-ms': '0.001' }, payload });
  assert.equal(again.statusCode, 503);
  const metrics = (await server.app.inject({ method: 'GET', url: '/metrics', headers: as(admin) })).body;
  assert.match(metrics, /switchyard_inference_rejections_total\{[^}]*latency_class="throughput"[^}]*reason="DEADLINE_INFEASIBLE"[^}]*\} 1/, 'counted under the class the caller asked for');
  assert.equal((await server.storage.auditHead()).seq, before, 'nothing written per request');
  await server.flushAudit();
  const page = await server.app.inject({ method: 'GET', url: `/v1/audit?after=${before}`, headers: as(admin) });
  const { entries } = page.json<AuditBody>();
  // Inferences are grouped, one row per caller and version per flush; refusals at admission are
  // counted, one row per caller, version and reason.
  assert.deepEqual(entries.map((e) => [e.action, e.actor, e.target]), [
    ['inferences', 'anonymous', 'model/identity/1'],
    ['inference-refusals', 'anonymous', 'model/identity/1'],
  ]);
  const refused = entries[1]?.detail ?? {};
  assert.equal(refused.outcome, 'DEADLINE_INFEASIBLE');
  assert.equal(refused.count, 2, 'both refusals in one row');
  assert.match(String(refused.digest), /^sha256:[0-9a-f]{64}$/, 'the model digest');
  assert.ok(String(refused.firstAt) <= String(refused.lastAt));
  assert.equal(refused.inputSha256, undefined, 'no input digest: refused bodies are never read');
  const served = entries[0]?.detail ?? {};
  assert.match(String(served.digest), /^sha256:[0-9a-f]{64}$/);
  assert.equal(served.count, 2);
  assert.deepEqual(served.fields, ['offsetMs', 'latencyMs', 'outcome', 'inputSha256']);
  const [ok, invalid] = served.inferences as [number, number, string, string][];
  assert.equal(ok?.[2], 'ok');
  assert.equal(invalid?.[2], 'INVALID_REQUEST');
  assert.equal(typeof ok?.[1], 'number', 'latency in ms');
  assert.ok(ok[0] <= invalid[0], 'offsets from firstAt, in order');
  const bytes = new Float32Array([123.5, 456.25, 789.125]);
  const expected = createHash('sha256').update(JSON.stringify(['input', 'FP32', [1, 3]])).update(new Uint8Array(bytes.buffer)).digest('hex');
  assert.equal(ok[3], `sha256:${expected}`);
  assert.match(String(invalid?.[3]), /^sha256:[0-9a-f]{64}$/, 'a body that failed to decode is hashed as it came');
  assert.ok(!page.body.includes('456.25'), 'the raw input is not in the log');
});

test('the audit log lists every change with before and after, and the chain verifies', async () => {
  const page = await server.app.inject({ method: 'GET', url: '/v1/audit?limit=1000', headers: as(admin) });
  const { entries } = page.json<AuditBody>();
  const actions = entries.map((e) => e.action);
  for (const action of ['key.create', 'key.revoke', 'tenant.create']) assert.ok(actions.includes(action), action);
  const revoke = entries.find((e) => e.action === 'key.revoke');
  assert.equal(revoke?.before?.revoked_at, null);
  assert.ok(revoke?.after?.revoked_at);
  assert.equal((await server.app.inject({ method: 'GET', url: '/v1/audit?limit=0', headers: as(admin) })).statusCode, 400);
  assert.equal((await verifyAuditChain(auditRows(server.storage))).ok, true);
});

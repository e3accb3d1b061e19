/**
 * Tenant quotas: requests_per_second as a token bucket (burst of one second's worth) and
 * max_concurrent as requests in flight; over either, 429 QUOTA_EXCEEDED with Retry-After.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Clock } from '../../../src/core/clock.js';
import { isSwitchyardError } from '../../../src/core/errors.js';
import { TenantQuotaGate } from '../../../src/gateway/auth/tenant-quota.js';
import type { EmbeddedServer } from '../../../src/main/server.js';
import { adminHeaders, DEMO_REPOSITORY, startTestServer } from '../../helpers/server.js';

function manualClock(): Clock & { advance(ms: number): void } {
  let now = 0;
  return { now: () => now, wallNow: () => now, advance: (ms) => (now += ms) };
}

function refusedWith(run: () => unknown): { code: string; retryAfterSeconds: number | undefined } {
  try {
    run();
  } catch (error) {
    if (isSwitchyardError(error)) return { code: error.code, retryAfterSeconds: error.retryAfterSeconds };
    throw error;
  }
  assert.fail('expected a refusal');
}

test('requests_per_second: a burst of one second, refilled at the rate; other tenants are not affected', () => {
  const clock = manualClock();
  const gate = new TenantQuotaGate(clock);
  for (let i = 0; i < 2; i++) gate.admit('acme', { requestsPerSecond: 2 })();
  assert.deepEqual(refusedWith(() => gate.admit('acme', { requestsPerSecond: 2 })), { code: 'QUOTA_EXCEEDED', retryAfterSeconds: 1 });
  gate.admit('globex', { requestsPerSecond: 2 })();
  clock.advance(500);
  gate.admit('acme', { requestsPerSecond: 2 })();
  assert.equal(refusedWith(() => gate.admit('acme', { requestsPerSecond: 2 })).code, 'QUOTA_EXCEEDED');
  // A slow rate names a longer wait.
  gate.admit('slow', { requestsPerSecond: 0.1 })();
  assert.deepEqual(refusedWith(() => gate.admit('slow', { requestsPerSecond: 0.1 })), { code: 'QUOTA_EXCEEDED', retryAfterSeconds: 10 });
});

test('max_concurrent: requests in flight, released once each; no quota admits everything', () => {
  const gate = new TenantQuotaGate(manualClock());
  const first = gate.admit('acme', { maxConcurrent: 2 });
  const second = gate.admit('acme', { maxConcurrent: 2 });
  assert.equal(refusedWith(() => gate.admit('acme', { maxConcurrent: 2 })).code, 'QUOTA_EXCEEDED');
  first();
  first();
  gate.admit('acme', { maxConcurrent: 2 });
  assert.equal(refusedWith(() => gate.admit('acme', { maxConcurrent: 2 })).code, 'QUOTA_EXCEEDED', 'a second release of the same request frees nothing');
  second();
  for (let i = 0; i < 100; i++) gate.admit('free', {});
});

let server: EmbeddedServer;
before(async () => {
  server = await startTestServer(DEMO_REPOSITORY);
});
after(async () => {
  await server.close();
});

test('over HTTP: a tenant key over its requests_per_second gets 429 QUOTA_EXCEEDED with Retry-After', async () => {
  const admin = adminHeaders(server);
  assert.equal((await server.app.inject({ method: 'PUT', url: '/v1/tenants/metered', headers: admin, payload: { allowed_models: ['identity'], quotas: { requests_per_second: 1 } } })).statusCode, 200);
  const key = (await server.app.inject({ method: 'POST', url: '/v1/keys', headers: admin, payload: { roles: ['invoker'], tenant: 'metered' } })).json<{ key: string }>().key;
  const infer = () => server.app.inject({ method: 'POST', url: '/v2/models/identity/infer', headers: { 'x-api-key': key }, payload: { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 2], data: [1, 2] }] } });
  assert.equal((await infer()).statusCode, 200);
  const over = await infer();
  assert.equal(over.statusCode, 429, over.body);
  assert.equal(over.json<{ code: string }>().code, 'QUOTA_EXCEEDED');
  assert.equal(over.headers['retry-after'], '1');
  // Metadata is not metered.
  assert.equal((await server.app.inject({ method: 'GET', url: '/v2/models/identity', headers: { 'x-api-key': key } })).statusCode, 200);
});

test('over HTTP: a max_concurrent slot is held while a request is answered and freed when its response closes', async () => {
  const admin = adminHeaders(server);
  assert.equal((await server.app.inject({ method: 'PUT', url: '/v1/tenants/single', headers: admin, payload: { allowed_models: ['identity'], quotas: { max_concurrent: 1 } } })).statusCode, 200);
  const key = (await server.app.inject({ method: 'POST', url: '/v1/keys', headers: admin, payload: { roles: ['invoker'], tenant: 'single' } })).json<{ key: string }>().key;
  const infer = () => server.app.inject({ method: 'POST', url: '/v2/models/identity/infer', headers: { 'x-api-key': key }, payload: { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 2], data: [1, 2] }] } });
  // Two at once: one holds the only slot, the other is refused.
  const both = await Promise.all([infer(), infer()]);
  assert.deepEqual(both.map((r) => r.statusCode).sort(), [200, 429]);
  // One after another: each finds the slot freed by the one before.
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal((await infer()).statusCode, 200, `request ${i} after the slot was released`);
  }
});

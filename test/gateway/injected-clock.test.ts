/**
 * The gateway reads time only from the clock it is given (createServer's `clock`): the access
 * cache's expiry and the inference audit's timestamps followed the system clock while the rest
 * of the server followed the injected one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Clock } from '../../src/core/clock.js';
import { ACCESS_CACHE_TTL_MS } from '../../src/gateway/auth/access-cache.js';
import { DEMO_REPOSITORY, adminHeaders, startTestServer } from '../helpers/server.js';

/** System time shifted by what the test adds: the server keeps running on real timers. */
function shiftedClock(wallOrigin: number): Clock & { advance(ms: number): void } {
  let shift = 0;
  const start = Date.now();
  return {
    now: () => performance.now() + shift,
    wallNow: () => wallOrigin + (Date.now() - start) + shift,
    advance: (ms) => {
      shift += ms;
    },
  };
}

const payload = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 2], data: [1, 2] }] };

test('inference audit rows are stamped with the injected clock', async () => {
  const origin = Date.UTC(2001, 0, 1);
  const server = await startTestServer(DEMO_REPOSITORY, { 'audit.flush_interval_ms': 60000 }, shiftedClock(origin));
  try {
    assert.equal((await server.app.inject({ method: 'POST', url: '/v2/models/identity/infer', payload })).statusCode, 200);
    await server.flushAudit();
    const { rows } = await server.storage.listAudit(0, 100);
    const inferences = rows.filter((row) => row.action === 'inferences');
    assert.equal(inferences.length, 1);
    assert.match(inferences[0]?.at ?? '', /^2001-01-01T/, 'stamped in 2001, the clock given, not today');
  } finally {
    await server.close();
  }
});

test('a key revoked behind the cache is refused once the injected clock passes the cache TTL', async () => {
  const clock = shiftedClock(Date.now());
  const server = await startTestServer(DEMO_REPOSITORY, {}, clock);
  try {
    const created = await server.app.inject({ method: 'POST', url: '/v1/keys', headers: adminHeaders(server), payload: { roles: ['invoker'] } });
    assert.equal(created.statusCode, 201, created.body);
    const { id, key } = created.json<{ id: string; key: string }>();
    const as = { authorization: `Bearer ${key}` };
    assert.equal((await server.app.inject({ method: 'POST', url: '/v2/models/identity/infer', headers: as, payload })).statusCode, 200, 'cached now');
    // Revoked in storage directly, as another gateway or the CLI would: this process's cache is not told.
    await server.storage.revokeApiKey(id);
    assert.equal((await server.app.inject({ method: 'POST', url: '/v2/models/identity/infer', headers: as, payload })).statusCode, 200, 'still cached');
    clock.advance(ACCESS_CACHE_TTL_MS + 1);
    assert.equal((await server.app.inject({ method: 'POST', url: '/v2/models/identity/infer', headers: as, payload })).statusCode, 401, 'expired by the injected clock');
  } finally {
    await server.close();
  }
});

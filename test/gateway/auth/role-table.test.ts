/**
 * The role table: every /v1 route registered on the real server (collected by the auth hook's
 * onRoute, so routes other parts add later are covered too) answers 401 without a key, 401
 * with an unknown or revoked key, and 403 with a key whose roles it does not admit.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { declaredRoutes, registerAuth } from '../../../src/gateway/auth/auth-hook.js';
import { AccessCache } from '../../../src/gateway/auth/access-cache.js';
import { createKey, revokeKey } from '../../../src/gateway/auth/keys-routes.js';
import { systemClock } from '../../../src/core/clock.js';
import { ROLES, type Role } from '../../../src/registry/storage/rows.js';
import type { EmbeddedServer } from '../../../src/main/server.js';
import { DEMO_REPOSITORY, startTestServer } from '../../helpers/server.js';

let server: EmbeddedServer;
const keyOf = new Map<Role, string>();
let revoked = '';

before(async () => {
  server = await startTestServer(DEMO_REPOSITORY);
  for (const role of ROLES) keyOf.set(role, (await createKey(server.storage, 'test', { name: role, roles: [role], tenant: null })).text);
  const gone = await createKey(server.storage, 'test', { name: 'gone', roles: [...ROLES], tenant: null });
  await revokeKey(server.storage, 'test', gone.row.id);
  revoked = gone.text;
});
after(() => server.close());

const concrete = (url: string) => url.replace(/:[A-Za-z_]+/g, 'x0').replace(/\*$/, 'x0');
type Method = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'HEAD' | 'OPTIONS';

test('every /v1 route declares roles and refuses callers without a key, with a bad key, or with a wrong role', async () => {
  const v1 = declaredRoutes(server.app).filter((r) => r.url.startsWith('/v1'));
  assert.ok(v1.length >= 6, `expected the /v1 routes, found ${v1.map((r) => r.url).join(', ')}`);
  let forbiddenChecked = 0;
  for (const route of v1) {
    const what = `${route.method} ${route.url}`;
    assert.ok(route.roles && route.roles.length > 0, `${what} declares roles`);
    const call = (headers: Record<string, string>) => server.app.inject({ method: route.method as Method, url: concrete(route.url), headers, payload: route.method === 'GET' || route.method === 'HEAD' || route.method === 'DELETE' ? undefined : {} });
    const none = await call({});
    assert.equal(none.statusCode, 401, `${what} without a key`);
    if (route.method !== 'HEAD') assert.equal(none.json<{ code: string }>().code, 'UNAUTHENTICATED', `${what} code`);
    assert.match(String(none.headers['www-authenticate']), /^Bearer/);
    assert.equal((await call({ authorization: 'Bearer sy_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })).statusCode, 401, `${what} with an unknown key`);
    assert.equal((await call({ 'x-api-key': revoked })).statusCode, 401, `${what} with a revoked key`);
    assert.equal((await call({ authorization: 'Basic YWRtaW46YWRtaW4=' })).statusCode, 401, `${what} with another scheme`);
    const wrong = ROLES.find((role) => !route.roles?.includes(role));
    if (wrong) {
      const response = await call({ authorization: `Bearer ${keyOf.get(wrong) ?? ''}` });
      assert.equal(response.statusCode, 403, `${what} with role ${wrong}`);
      if (route.method !== 'HEAD') assert.equal(response.json<{ code: string }>().code, 'FORBIDDEN');
      forbiddenChecked += 1;
    }
    const right = route.roles?.[0];
    if (right) assert.ok(![401, 403].includes((await call({ 'x-api-key': keyOf.get(right) ?? '' })).statusCode), `${what} admits ${right}`);
  }
  assert.ok(forbiddenChecked >= 1);
});

test('a /v1 route without config.roles stops start-up', async () => {
  const app = Fastify();
  registerAuth(app, { cache: new AccessCache(server.storage, systemClock), host: '127.0.0.1', anonymousInference: 'loopback' });
  assert.throws(() => app.get('/v1/oops', async () => 'open'), /declares no config\.roles/);
  app.register(async (child) => {
    child.post('/v1/nested', async () => 'open');
  });
  await assert.rejects(async () => app.ready(), /declares no config\.roles/, 'routes added by plugins are checked too');
});

test('on a loopback bind inference and metadata work without a key, but a presented bad key is refused', async () => {
  const payload = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 2], data: [1, 2] }] };
  assert.equal((await server.app.inject({ method: 'POST', url: '/v2/models/identity/infer', payload })).statusCode, 200);
  assert.equal((await server.app.inject({ method: 'GET', url: '/v2/models/identity' })).statusCode, 200);
  assert.equal((await server.app.inject({ method: 'POST', url: '/v2/models/identity/infer', payload, headers: { 'x-api-key': revoked } })).statusCode, 401);
  const viewer = await server.app.inject({ method: 'POST', url: '/v2/models/identity/infer', payload, headers: { 'x-api-key': keyOf.get('viewer') ?? '' } });
  assert.equal(viewer.statusCode, 403, 'a viewer key may not invoke');
  assert.equal((await server.app.inject({ method: 'POST', url: '/v2/models/identity/infer', payload, headers: { 'x-api-key': keyOf.get('invoker') ?? '' } })).statusCode, 200);
});

test('on any other bind every route needs a key: inference needs invoker, metadata and metrics any role', async () => {
  const open = await startTestServer(DEMO_REPOSITORY, { host: '0.0.0.0' });
  try {
    const invoker = (await createKey(open.storage, 'test', { name: 'i', roles: ['invoker'], tenant: null })).text;
    const viewer = (await createKey(open.storage, 'test', { name: 'v', roles: ['viewer'], tenant: null })).text;
    const payload = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 2], data: [1, 2] }] };
    for (const route of declaredRoutes(open.app)) {
      // Agents' routes carry their own credentials (join token, node secret): test/gateway/cluster-join.test.ts.
      if (route.url.startsWith('/internal/')) continue;
      const response = await open.app.inject({ method: route.method as Method, url: concrete(route.url) });
      assert.equal(response.statusCode, 401, `${route.method} ${route.url} without a key on 0.0.0.0`);
    }
    assert.equal((await open.app.inject({ method: 'GET', url: '/no/such/route' })).statusCode, 401, 'unknown paths too');
    assert.equal((await open.app.inject({ method: 'POST', url: '/v2/models/identity/infer', payload, headers: { 'x-api-key': viewer } })).statusCode, 403);
    assert.equal((await open.app.inject({ method: 'POST', url: '/v2/models/identity/infer', payload, headers: { 'x-api-key': invoker } })).statusCode, 200);
    assert.equal((await open.app.inject({ method: 'GET', url: '/metrics', headers: { 'x-api-key': viewer } })).statusCode, 200);
    assert.equal((await open.app.inject({ method: 'GET', url: '/v2/health/ready', headers: { authorization: `Bearer ${viewer}` } })).statusCode, 200);
  } finally {
    await open.close();
  }
  const allowed = await startTestServer(DEMO_REPOSITORY, { host: '0.0.0.0', 'auth.anonymous_inference': 'allow' });
  try {
    const payload = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 2], data: [1, 2] }] };
    assert.equal((await allowed.app.inject({ method: 'POST', url: '/v2/models/identity/infer', payload })).statusCode, 200, 'explicitly allowed');
    assert.equal((await allowed.app.inject({ method: 'GET', url: '/v1/keys' })).statusCode, 401, '/v1 never anonymous');
  } finally {
    await allowed.close();
  }
  const denied = await startTestServer(DEMO_REPOSITORY, { 'auth.anonymous_inference': 'deny' });
  try {
    assert.equal((await denied.app.inject({ method: 'GET', url: '/v2/models/identity' })).statusCode, 401, 'deny applies on loopback too');
  } finally {
    await denied.close();
  }
});

/**
 * Model names are documented as 1-128 characters: a name of exactly 128 works on every route
 * (fastify's default maxParamLength of 100 answered 414 to names of 101-128), and one over
 * the limit is a 400 MODEL_NAME_INVALID on each, never a bare 414 or a 404.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminHeaders, DEMO_REPOSITORY, startTestServer } from '../helpers/server.js';
import type { EmbeddedServer } from '../../src/main/server.js';

const LONGEST = `m${'x'.repeat(126)}z`;
const TOO_LONG = `${LONGEST}a`;
let server: EmbeddedServer;

before(async () => {
  const repository = mkdtempSync(join(tmpdir(), 'switchyard-long-names-'));
  cpSync(join(DEMO_REPOSITORY, 'text-sentiment-rules'), join(repository, LONGEST), { recursive: true });
  server = await startTestServer(repository);
});
after(() => server.close());

const infer = { inputs: [{ name: 'text', datatype: 'BYTES', shape: [1], data: ['great'] }] };

function routes(name: string): { method: 'GET' | 'POST'; url: string; payload?: object }[] {
  return [
    { method: 'POST', url: `/v2/models/${name}/infer`, payload: infer },
    { method: 'POST', url: `/v2/models/${name}/versions/1/infer`, payload: infer },
    { method: 'GET', url: `/v2/models/${name}` },
    { method: 'GET', url: `/v2/models/${name}/versions/1` },
    { method: 'GET', url: `/v2/models/${name}/ready` },
    { method: 'GET', url: `/v2/models/${name}/versions/1/ready` },
  ];
}

test('a name of exactly 128 characters is served on every OIP route', async () => {
  assert.equal(LONGEST.length, 128);
  for (const route of routes(LONGEST)) {
    const response = await server.app.inject(route);
    assert.equal(response.statusCode, 200, `${route.method} ${route.url.slice(0, 20)}...: ${response.body}`);
  }
});

test('a name of 129 characters is a 400 MODEL_NAME_INVALID on every route, registry included', async () => {
  const registry: { method: 'GET' | 'POST'; url: string; payload?: object }[] = [
    { method: 'GET', url: `/v1/models/${TOO_LONG}` },
    { method: 'GET', url: `/v1/models/${TOO_LONG}/versions/1` },
    { method: 'POST', url: `/v1/models/${TOO_LONG}/versions/1`, payload: { contract: {}, artifact: { base64: 'AA==' } } },
  ];
  for (const route of [...routes(TOO_LONG), ...registry]) {
    const response = await server.app.inject({ ...route, headers: adminHeaders(server) });
    assert.equal(response.statusCode, 400, `${route.method} ${route.url.slice(0, 20)}...: ${response.body}`);
    assert.equal(response.json<{ code: string }>().code, 'MODEL_NAME_INVALID');
  }
});

test('a registry name of 128 characters is accepted by the registry routes', async () => {
  const response = await server.app.inject({ method: 'GET', url: `/v1/models/${LONGEST}`, headers: adminHeaders(server) });
  assert.equal(response.statusCode, 404);
  assert.equal(response.json<{ code: string }>().code, 'MODEL_NOT_FOUND');
});

test('a path segment far over any name is refused with the catalogue code, not a bare 414', async () => {
  const response = await server.app.inject({ method: 'GET', url: `/v2/models/${'a'.repeat(300)}/ready` });
  assert.equal(response.statusCode, 400);
  assert.equal(response.json<{ code: string }>().code, 'MODEL_NAME_INVALID');
});

test('a malformed URL stays a 400 with a catalogue code once router errors are mapped', async () => {
  const response = await server.app.inject({ method: 'GET', url: '/v2/models/%E0%A4%A/ready' });
  assert.equal(response.statusCode, 400);
  assert.equal(response.json<{ code: string }>().code, 'INVALID_REQUEST');
});

/** Property: whatever arrives at /v1/keys, /v1/tenants and /v1/audit, the answer is never a 5xx. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ROLES } from '../../../src/registry/storage/rows.js';
import type { EmbeddedServer } from '../../../src/main/server.js';
import { DEMO_REPOSITORY, startTestServer } from '../../helpers/server.js';

let server: EmbeddedServer;
let admin = '';
before(async () => {
  server = await startTestServer(DEMO_REPOSITORY, { body_limit_bytes: 65536 });
  admin = server.initialAdminKey ?? '';
  await server.app.inject({ method: 'PUT', url: '/v1/tenants/acme', headers: { authorization: `Bearer ${admin}` }, payload: { allowed_models: ['*'] } });
});
after(() => server.close());

const text = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('', '..', '../etc', '%2e%2e%2f', '\u0000', '__proto__', 'constructor', 'acme', 'a'.repeat(200)));
const role = fc.oneof(fc.constantFrom(...ROLES), text, fc.integer(), fc.constant(null));
const keyBody = fc.oneof(
  fc.record({ name: fc.oneof(text, fc.jsonValue({ maxDepth: 1 })), roles: fc.oneof(fc.array(role, { maxLength: 8 }), fc.jsonValue({ maxDepth: 2 })), tenant: fc.oneof(text, fc.constant(null), fc.integer()) }, { requiredKeys: [] }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(text, fc.jsonValue({ maxDepth: 1 })),
);
const tenantBody = fc.oneof(
  fc.record({
    allowed_models: fc.oneof(fc.array(text, { maxLength: 5 }), fc.jsonValue({ maxDepth: 1 })),
    quotas: fc.oneof(fc.record({ requests_per_second: fc.oneof(fc.double(), fc.integer(), text), max_concurrent: fc.oneof(fc.double(), fc.integer(), fc.constant(null)) }, { requiredKeys: [] }), fc.jsonValue({ maxDepth: 1 })),
  }, { requiredKeys: [] }),
  fc.jsonValue({ maxDepth: 3 }),
);
const pathPart = fc.oneof(text.map(encodeURIComponent), fc.constantFrom('000000000000', 'ffffffffffff', '%00', '%2F', '..%2f..'));
const query = fc.dictionary(fc.constantFrom('after', 'limit', 'x', '__proto__'), fc.oneof(text, fc.integer().map(String), fc.constantFrom('-1', '1e3', '9007199254740993', '1001', '0'))).map((q) => new URLSearchParams(q).toString());
const headers = fc.constantFrom<Record<string, string>>({}, { authorization: 'Bearer ' }, { authorization: 'Bearer sy_x' }, { 'x-api-key': '' }, { 'x-api-key': 'sy_000000000000_' + 'A'.repeat(43) });

const request = fc.oneof(
  fc.record({ method: fc.constant('POST' as const), url: fc.constant('/v1/keys'), payload: keyBody }),
  fc.record({ method: fc.constant('DELETE' as const), url: pathPart.map((id) => `/v1/keys/${id}`), payload: fc.constant(undefined) }),
  fc.record({ method: fc.constant('PUT' as const), url: pathPart.map((name) => `/v1/tenants/${name}`), payload: tenantBody }),
  fc.record({ method: fc.constant('GET' as const), url: query.map((q) => `/v1/audit?${q}`), payload: fc.constant(undefined) }),
  fc.record({ method: fc.constantFrom('GET' as const, 'POST' as const), url: fc.constantFrom('/v1/audit/head', '/v1/keys', '/v1/tenants'), payload: fc.constant(undefined) }),
);

test('admin API inputs never produce a 5xx, with or without a valid key', async () => {
  await fc.assert(
    fc.asyncProperty(request, fc.boolean(), headers, async (r, authorised, badHeaders) => {
      const response = await server.app.inject({
        method: r.method,
        url: r.url,
        headers: authorised ? { authorization: `Bearer ${admin}` } : badHeaders,
        ...(r.payload === undefined ? {} : { payload: JSON.stringify(r.payload), headers: { 'content-type': 'application/json', ...(authorised ? { authorization: `Bearer ${admin}` } : badHeaders) } }),
      });
      assert.ok(response.statusCode < 500, `${r.method} ${r.url} ${JSON.stringify(r.payload)} -> ${response.statusCode} ${response.body}`);
      // 414: fastify's router refuses over-long path parameters before any hook runs.
      if (!authorised) assert.ok([401, 404, 414].includes(response.statusCode), `unauthorised ${r.method} ${r.url} -> ${response.statusCode}`);
    }),
    { numRuns: 400, seed: 6 },
  );
});

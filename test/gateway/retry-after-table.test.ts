/**
 * The catalogue rule "every 429 and 503 says when to retry", as a table over routes: each row
 * drives one refusal in-process and every answer must carry Retry-After of at least a second.
 * Uploads busy and tenant quotas are driven in upload-bomb.test.ts and auth/tenant-quota.test.ts;
 * the catalogue's defaults for every 429/503 code in core/errors-retry-after.test.ts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EmbeddedServer } from '../../src/main/server.js';
import { adminHeaders, DEMO_REPOSITORY, startTestServer } from '../helpers/server.js';

const BODY = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 2], data: [1, 2] }] };
const INFER_ROUTES = ['/v2/models/identity/infer', '/v2/models/identity/versions/1/infer'];

let server: EmbeddedServer;
before(async () => {
  server = await startTestServer(DEMO_REPOSITORY);
});
after(() => server.close());

interface Row {
  readonly condition: string;
  readonly code: string;
  readonly send: (url: string) => Promise<Awaited<ReturnType<EmbeddedServer['app']['inject']>>>;
}

const rows: Row[] = [
  {
    condition: 'deadline infeasible',
    code: 'DEADLINE_INFEASIBLE',
    send: (url) => server.app.inject({ method: 'POST', url, headers: { 'x-switchyard-deadline-ms': '0.000001' }, payload: BODY }),
  },
  {
    condition: 'deadline infeasible (Triton timeout parameter, µs)',
    code: 'DEADLINE_INFEASIBLE',
    send: (url) => server.app.inject({ method: 'POST', url, payload: { ...BODY, parameters: { timeout: 1 } } }),
  },
];

for (const row of rows) {
  for (const url of INFER_ROUTES) {
    test(`${row.condition} on ${url}: ${row.code} with Retry-After`, async () => {
      const response = await row.send(url);
      assert.ok(response.statusCode === 503 || response.statusCode === 429, `${response.statusCode} ${response.body}`);
      assert.equal(response.json<{ code: string }>().code, row.code);
      assert.ok(Number(response.headers['retry-after']) >= 1, `Retry-After: ${String(response.headers['retry-after'])}`);
    });
  }
}

// Last: it unloads the model. An unloaded version refuses every infer route until it loads again.
test('model not ready (unloaded through the repository API): MODEL_NOT_READY with Retry-After on each infer route', async () => {
  const unloaded = await server.app.inject({ method: 'POST', url: '/v2/repository/models/identity/unload', headers: adminHeaders(server), payload: {} });
  assert.equal(unloaded.statusCode, 200, unloaded.body);
  for (const url of INFER_ROUTES) {
    const response = await server.app.inject({ method: 'POST', url, payload: BODY });
    assert.equal(response.statusCode, 503, `${url}: ${response.body}`);
    assert.equal(response.json<{ code: string }>().code, 'MODEL_NOT_READY');
    assert.ok(Number(response.headers['retry-after']) >= 1, url);
  }
});

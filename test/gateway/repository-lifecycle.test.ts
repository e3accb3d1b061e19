/**
 * Triton's repository extension in-process: load and unload are admin-only, every call (done or
 * refused) is an audit row with the states before and after, a version that cannot load again
 * says why, and a new version folder loads beside a serving one.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EmbeddedServer } from '../../src/main/server.js';
import { createKey } from '../../src/gateway/auth/keys-routes.js';
import { scratchRepository } from '../fixtures/onnx-fixtures.js';
import { adminHeaders, DEMO_REPOSITORY, startTestServer } from '../helpers/server.js';

let server: EmbeddedServer;
let root: string;
let deployer: Record<string, string>;
before(async () => {
  root = scratchRepository();
  cpSync(join(DEMO_REPOSITORY, 'identity'), join(root, 'identity'), { recursive: true });
  server = await startTestServer(root);
  deployer = { authorization: `Bearer ${(await createKey(server.storage, 'test', { name: 'dep', roles: ['deployer'], tenant: null })).text}` };
});
after(() => server.close());

const infer = () => server.app.inject({ method: 'POST', url: '/v2/models/identity/infer', payload: { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 2], data: [1, 2] }] } });
const post = (url: string, headers: Record<string, string>, payload?: object) => server.app.inject({ method: 'POST', url, headers, ...(payload ? { payload } : {}) });

async function auditRows(action: string): Promise<{ actor: string; before: unknown; after: unknown; detail: { outcome: string } }[]> {
  const rows = [];
  for (let after: number | null = 0; after !== null; ) {
    const page = await server.storage.listAudit(after, 500);
    for (const row of page.rows) {
      if (row.action === action) rows.push({ actor: row.actor, before: JSON.parse(row.before ?? 'null') as unknown, after: JSON.parse(row.after ?? 'null') as unknown, detail: JSON.parse(row.detail ?? 'null') as { outcome: string } });
    }
    after = page.nextAfterSeq;
  }
  return rows;
}

test('unload and load need an admin key; each call is audited with the states before and after', async () => {
  assert.equal((await post('/v2/repository/models/identity/unload', {})).statusCode, 401);
  const forbidden = await post('/v2/repository/models/identity/unload', deployer);
  assert.equal(forbidden.statusCode, 403);
  assert.equal(forbidden.json<{ code: string }>().code, 'FORBIDDEN');
  assert.equal((await infer()).statusCode, 200);

  const unloaded = await post('/v2/repository/models/identity/unload', adminHeaders(server), { parameters: { unload_dependents: true } });
  assert.equal(unloaded.statusCode, 200, unloaded.body);
  assert.deepEqual(unloaded.json(), { name: 'identity', versions: [{ version: '1', state: 'UNAVAILABLE', reason: 'unloaded through the repository API' }] });
  const refused = await infer();
  assert.equal(refused.statusCode, 503);
  assert.equal(refused.json<{ code: string }>().code, 'MODEL_NOT_READY');

  const overridden = await post('/v2/repository/models/identity/load', adminHeaders(server), { parameters: { config: '{}' } });
  assert.equal(overridden.statusCode, 400);
  assert.equal(overridden.json<{ code: string }>().code, 'PARAMETER_INVALID');
  const loaded = await post('/v2/repository/models/identity/load', adminHeaders(server));
  assert.equal(loaded.statusCode, 200, loaded.body);
  assert.equal((await infer()).statusCode, 200);
  // Loading a serving model again changes nothing.
  assert.equal((await post('/v2/repository/models/identity/load', adminHeaders(server))).statusCode, 200);
  assert.equal((await infer()).statusCode, 200);

  const unloads = await auditRows('model.unload');
  assert.deepEqual(unloads.map((r) => r.detail.outcome), ['ok']);
  assert.deepEqual(unloads[0]?.before, [{ version: '1', state: 'READY', reason: null }]);
  assert.deepEqual(unloads[0]?.after, [{ version: '1', state: 'UNAVAILABLE', reason: 'unloaded through the repository API' }]);
  assert.deepEqual((await auditRows('model.load')).map((r) => r.detail.outcome), ['PARAMETER_INVALID', 'ok', 'ok']);
});

test('a version that cannot load again says why (MODEL_LOAD_FAILED), and a new version folder loads beside it', async () => {
  const yaml = join(root, 'identity', '1', 'model.yaml');
  const good = readFileSync(yaml, 'utf8');
  assert.equal((await post('/v2/repository/models/identity/unload', adminHeaders(server))).statusCode, 200);
  writeFileSync(yaml, `${good}\nnot: [valid`);
  try {
    const failed = await post('/v2/repository/models/identity/load', adminHeaders(server));
    assert.equal(failed.statusCode, 400);
    const error = failed.json<{ code: string; error: string }>();
    assert.equal(error.code, 'MODEL_LOAD_FAILED');
    assert.match(error.error, /version 1: invalid model\.yaml/);
  } finally {
    writeFileSync(yaml, good);
  }
  cpSync(join(root, 'identity', '1'), join(root, 'identity', '2'), { recursive: true });
  const loaded = await post('/v2/repository/models/identity/load', adminHeaders(server));
  assert.equal(loaded.statusCode, 200, loaded.body);
  assert.deepEqual(loaded.json<{ versions: { version: string; state: string }[] }>().versions.map((v) => `${v.version}:${v.state}`), ['1:READY', '2:READY']);
  const second = await server.app.inject({ method: 'POST', url: '/v2/models/identity/versions/2/infer', payload: { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 2], data: [3, 4] }] } });
  assert.equal(second.statusCode, 200, second.body);
  const unknown = await post('/v2/repository/models/nope/load', adminHeaders(server));
  assert.equal(unknown.statusCode, 404);
  assert.equal(unknown.json<{ code: string }>().code, 'MODEL_NOT_FOUND');
});

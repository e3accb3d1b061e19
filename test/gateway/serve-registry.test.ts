/**
 * Registry production versions are served at start-up after a verified load; a tampered one is
 * refused (UNAVAILABLE, audited) and never becomes ready, while the repository folder's models serve.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileConfig } from '../../src/core/config.js';
import { digestHex } from '../../src/registry/artifacts/manifest.js';
import { parsePushMetadata } from '../../src/registry/service/push-request.js';
import { openSqliteStorage } from '../../src/registry/storage/sqlite/open-sqlite.js';
import { registryDeps } from '../../src/main/registry-wiring.js';
import type { EmbeddedServer } from '../../src/main/server.js';
import { matmulChain } from '../fixtures/onnx-fixtures.js';
import { file, tarOf } from '../fixtures/archives.js';
import { smallModelRepository } from '../fixtures/small-model.js';
import { startTestServer } from '../helpers/server.js';

const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-serve-registry-'));
let server: EmbeddedServer;

before(async () => {
  const config = compileConfig(new Map([['data_dir', { value: dataDir, source: 'test' }], ['registry', { value: { gates: { approvals: [] } }, source: 'test' }]]), process.cwd());
  const storage = await openSqliteStorage({ path: join(dataDir, 'switchyard.db') });
  const { service } = registryDeps(config, storage);
  const actor = { keyId: 'k1', roles: ['admin' as const] };
  const contract = { inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 8] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 8] }], max_batch_size: 4 };
  const promote = async (name: string): Promise<void> => {
    for (const to of ['staged', 'approved', 'production'] as const) await service.transition(actor, name, '1', to, 'test');
  };
  await service.push(actor, 'governed', '1', parsePushMetadata({ contract }), { kind: 'file', fileName: 'model.onnx', bytes: matmulChain(8, 1) });
  await promote('governed');
  const archive = await tarOf([file('model.onnx', matmulChain(8, 1)), file('notes.txt', 'v1')]);
  const odd = await service.push(actor, 'flipped', '1', parsePushMetadata({ contract }), { kind: 'archive', bytes: archive });
  await promote('flipped');
  // Changed on disk after promotion: the next start must refuse it.
  writeFileSync(join(dataDir, 'artifacts', 'sha256', digestHex(odd.version.digest) ?? '', 'files', 'notes.txt'), 'v2');
  await storage.close();
  server = await startTestServer(smallModelRepository(), { data_dir: dataDir });
});
after(() => server.close());

test('a verified production version serves; a tampered one is UNAVAILABLE, audited, never ready', async () => {
  const ready = await server.app.inject({ method: 'GET', url: '/v2/models/governed/ready' });
  assert.equal(ready.statusCode, 200);
  const infer = await server.app.inject({ method: 'POST', url: '/v2/models/governed/infer', payload: { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 8], data: [1, 2, 3, 4, 5, 6, 7, 8] }] } });
  assert.equal(infer.statusCode, 200, infer.body);
  const flipped = server.catalog.get('flipped', '1');
  assert.equal(flipped?.state, 'UNAVAILABLE');
  assert.match(flipped?.reason ?? '', /notes.txt' does not match its SHA-256/);
  assert.equal((await server.app.inject({ method: 'GET', url: '/v2/models/flipped/ready' })).statusCode, 503);
  assert.equal(server.catalog.get('small', '1')?.state, 'READY', 'the repository folder still serves');
  const refused = (await server.storage.listAudit(0, 1000)).rows.filter((r) => r.action === 'model.version.load_refused');
  assert.equal(refused.length, 1);
  assert.match(refused[0]?.target ?? '', /flipped/);
});

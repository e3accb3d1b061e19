import { after, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSwitchyardError, type ErrorCode } from '../../src/core/errors.js';
import { compileRegistrySettings, type RegistrySettings } from '../../src/core/registry-config.js';
import { ArtifactStore } from '../../src/registry/artifacts/artifact-store.js';
import { digestHex } from '../../src/registry/artifacts/manifest.js';
import { RegistryService, type Actor } from '../../src/registry/service/registry-service.js';
import { parsePushMetadata } from '../../src/registry/service/push-request.js';
import { openSqliteStorage } from '../../src/registry/storage/sqlite/open-sqlite.js';
import { openPostgresStorage } from '../../src/registry/storage/postgres/open-postgres.js';
import { freshSchema, testPostgres } from '../helpers/postgres.js';
import type { Storage } from '../../src/registry/storage/storage.js';
import { matmulChain } from '../fixtures/onnx-fixtures.js';

const deployer: Actor = { keyId: 'deployer1', roles: ['deployer'] };
const approver: Actor = { keyId: 'approver1', roles: ['approver'] };
const operator: Actor = { keyId: 'operator1', roles: ['operator'] };
const contract = { inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 4] }], max_batch_size: 4 };

// The registry runs over the Storage interface: the same scenarios on SQLite and PostgreSQL.
const postgres = await testPostgres();
const cleanups: (() => Promise<void>)[] = [];
// Each store is dropped after its test, as the storage suite does: one fresh schema at a time.
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});
after(() => {
  if (typeof postgres !== 'string') postgres.stop();
});
const BACKENDS = ['sqlite', 'postgres'] as const;
type Backend = (typeof BACKENDS)[number];
const skip = (backend: Backend): string | false => (backend === 'postgres' && typeof postgres === 'string' ? postgres : false);

async function openBackend(backend: Backend, dir: string): Promise<Storage> {
  if (backend === 'sqlite' || typeof postgres === 'string') return openSqliteStorage({ path: join(dir, 'switchyard.db'), wallNow: () => 1_800_000_000_000 });
  const { schema, drop } = await freshSchema(postgres.url);
  const storage = await openPostgresStorage({ url: postgres.url, schema, wallNow: () => 1_800_000_000_000 });
  cleanups.push(async () => {
    await storage.close();
    await drop();
  });
  return storage;
}

async function setup(backend: Backend, settings: RegistrySettings = compileRegistrySettings({ gates: { approvals: [{ role: 'approver', count: 1 }], thresholds: [{ metric: 'accuracy', dataset: 'holdout', op: '>=', value: 0.9 }] } }, [])) {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-registry-'));
  const storage = await openBackend(backend, dir);
  const store = new ArtifactStore(join(dir, 'artifacts'));
  return { storage, store, service: new RegistryService(storage, store, settings) };
}

const code = (expected: ErrorCode) => (error: unknown): boolean => {
  assert.ok(isSwitchyardError(error), String(error));
  assert.equal(error.code, expected, error.message);
  return true;
};

const push = (service: RegistryService, version: string, extra: object = {}, actor = deployer) =>
  service.push(actor, 'iris', version, parsePushMetadata({ contract, card: '# Iris\nA test model.', lineage: { code_revision: 'abc123', training_data_digest: 'sha256:feed' }, ...extra }), { kind: 'file', fileName: 'model.onnx', bytes: matmulChain(4, 1) });

for (const backend of BACKENDS) test(`${backend}: push, evaluate, stage, approve behind the gates, promote, replace, retire: with history and audit`, { skip: skip(backend) }, async () => {
  const { service, storage } = await setup(backend);
  const first = await push(service, '1');
  assert.equal(first.version.state, 'draft');
  assert.match(first.version.digest, /^sha256:[0-9a-f]{64}$/);
  await assert.rejects(push(service, '1'), code('MODEL_VERSION_EXISTS'));
  await assert.rejects(service.transition(operator, 'iris', '1', 'production', 'skip'), code('TRANSITION_NOT_ALLOWED'));
  await assert.rejects(service.approve(approver, 'iris', '1', 'approve', 'too early'), code('TRANSITION_NOT_ALLOWED'));
  await service.transition(deployer, 'iris', '1', 'staged', 'ready for review');
  await assert.rejects(service.approve(deployer, 'iris', '1', 'approve', 'mine'), code('SELF_APPROVAL_FORBIDDEN'));
  await assert.rejects(service.transition(operator, 'iris', '1', 'approved', ''), code('APPROVAL_GATE_UNMET'));
  await service.approve(approver, 'iris', '1', 'approve', 'looks good');
  await assert.rejects(service.transition(operator, 'iris', '1', 'approved', ''), (error: unknown) => code('APPROVAL_GATE_UNMET')(error) && /accuracy/.test((error as Error).message));
  await service.addEvaluation(deployer, 'iris', '1', { dataset: 'holdout', metrics: { accuracy: 0.95 } });
  await service.transition(operator, 'iris', '1', 'approved', 'gates met');
  await service.transition(operator, 'iris', '1', 'production', 'first release');
  const detail = await service.getVersion('iris', '1');
  assert.equal(detail.version.state, 'production');
  assert.equal(detail.version.lineage.codeRevision, 'abc123');
  assert.equal(detail.version.modelCard, '# Iris\nA test model.');
  assert.deepEqual(detail.evaluations.map((e) => e.metrics.accuracy), [0.95]);

  // A second version: compatible, with evaluations at push; promoting it demotes version 1.
  await push(service, '2', { lineage: { parent_version: '1' }, evaluations: [{ dataset: 'holdout', metrics: { accuracy: 0.97 } }] });
  await service.transition(deployer, 'iris', '2', 'staged', '');
  await service.approve(approver, 'iris', '2', 'approve', '');
  await service.transition(operator, 'iris', '2', 'approved', '');
  await service.transition(operator, 'iris', '2', 'production', 'better');
  const model = await service.getModel('iris');
  assert.deepEqual(model.versions.map((v) => [v.version, v.state]), [['1', 'approved'], ['2', 'production']]);
  await service.transition(operator, 'iris', '1', 'retired', 'superseded');
  await assert.rejects(service.transition(operator, 'iris', '1', 'staged', ''), code('TRANSITION_NOT_ALLOWED'));
  const history = (await service.getModel('iris')).deployments.map((d) => `${d.version}:${d.fromState ?? '-'}->${d.toState}`);
  assert.deepEqual(history, [
    '1:-->draft', '1:draft->staged', '1:staged->approved', '1:approved->production',
    '2:-->draft', '2:draft->staged', '2:staged->approved', '2:approved->production', '1:production->approved',
    '1:approved->retired',
  ]);
  const audit = (await storage.listAudit(0, 100)).rows.map((r) => r.action);
  assert.equal(audit.filter((a) => a === 'model.version.push').length, 2);
  assert.ok(audit.includes('model.version.approve') && audit.includes('model.version.evaluate') && audit.includes('model.version.transition'));
});

for (const backend of BACKENDS) test(`${backend}: a breaking contract change must be declared`, { skip: skip(backend) }, async () => {
  const { service } = await setup(backend);
  await push(service, '1');
  const breaking = { ...contract, inputs: [{ name: 'x', datatype: 'FP64', shape: [-1, 4] }] };
  await assert.rejects(push(service, '2', { contract: breaking }), (error: unknown) => code('CONTRACT_BREAKING_UNDECLARED')(error) && /inputs.x.datatype/.test((error as Error).message));
  const declared = await push(service, '2', { contract: breaking, breaking: true });
  assert.equal(declared.version.breaking, true);
  assert.equal(declared.compatibility?.breaking, true);
  const added = await push(service, '3', { contract: { ...breaking, outputs: [...contract.outputs, { name: 'p', datatype: 'FP32', shape: [-1] }] } });
  assert.equal(added.compatibility?.breaking, false);
  await assert.rejects(push(service, '4', { lineage: { parent_version: '9' } }), code('INVALID_REQUEST'));
});

for (const backend of BACKENDS) test(`${backend}: a tampered artifact is refused when promoted, audited, and the version stays where it was`, { skip: skip(backend) }, async () => {
  const { service, store, storage } = await setup(backend, compileRegistrySettings({ gates: { approvals: [] } }, []));
  const { version } = await push(service, '1');
  await service.transition(deployer, 'iris', '1', 'staged', '');
  await service.transition(operator, 'iris', '1', 'approved', '');
  writeFileSync(join(store.root, 'sha256', digestHex(version.digest) ?? '', 'files', 'added.bin'), 'x');
  await assert.rejects(service.transition(operator, 'iris', '1', 'production', ''), code('ARTIFACT_INTEGRITY_FAILED'));
  assert.equal((await service.getVersion('iris', '1')).version.state, 'approved');
  const refused = (await storage.listAudit(0, 100)).rows.filter((r) => r.action === 'model.version.load_refused');
  assert.equal(refused.length, 1);
  assert.match(refused[0]?.detail ?? '', /added/);
});

for (const backend of BACKENDS) test(`${backend}: unknown models and versions are 404s`, { skip: skip(backend) }, async () => {
  const { service } = await setup(backend);
  await assert.rejects(service.getModel('nope'), code('MODEL_NOT_FOUND'));
  await push(service, '1');
  await assert.rejects(service.getVersion('iris', '7'), code('MODEL_VERSION_NOT_FOUND'));
  await assert.rejects(service.push(deployer, '../x', '1', parsePushMetadata({ contract }), { kind: 'file', fileName: 'model.onnx', bytes: matmulChain(4, 1) }), code('MODEL_NAME_INVALID'));
});

for (const backend of BACKENDS) test(`${backend}: concurrent first pushes of one model both land, and one version number only once`, { skip: skip(backend) }, async () => {
  const { service } = await setup(backend);
  const results = await Promise.allSettled([push(service, '1'), push(service, '2'), push(service, '3'), push(service, '3')]);
  const codes = results.map((r) => (r.status === 'fulfilled' ? 'ok' : isSwitchyardError(r.reason) ? r.reason.code : String(r.reason)));
  assert.deepEqual(codes.filter((c) => c === 'ok').length, 3, codes.join(','));
  assert.deepEqual(codes.filter((c) => c !== 'ok'), ['MODEL_VERSION_EXISTS']);
  assert.deepEqual((await service.getModel('iris')).versions.map((v) => v.version), ['1', '2', '3']);
});

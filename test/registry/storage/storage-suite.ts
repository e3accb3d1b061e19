/**
 * The behaviour every Storage implementation must have. Each implementation's test file calls
 * `storageSuite` with a factory that opens a fresh, empty store.
 */
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { Storage } from '../../../src/registry/storage/storage.js';
import { StorageConflictError } from '../../../src/registry/storage/storage.js';
import { GENESIS_HASH, verifyAuditChain } from '../../../src/registry/audit/audit-chain.js';
import { auditRows } from '../../../src/registry/audit/audit-rows.js';

export interface OpenedStore {
  readonly storage: Storage;
  /** Runs raw SQL against the same database (tamper tests). */
  readonly exec: (sql: string) => Promise<void>;
  readonly dispose: () => Promise<void>;
}

export type StoreFactory = (wallNow: () => number) => Promise<OpenedStore>;

const version = (model: string, v: string) => ({
  model, version: v, digest: `sha256:${'ab'.repeat(32)}`, manifest: { files: [{ path: 'model.onnx', sha256: 'cd'.repeat(32) }] },
  contract: { inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }] },
  lineage: { trainingDataDigest: 'sha256:00', parentVersion: '1', codeRevision: 'abc123', hyperparameters: { lr: 0.01, layers: [4, 8] } },
  modelCard: '# iris\nclassifies flowers', state: 'draft' as const, breaking: false, createdBy: 'k1',
});

export function storageSuite(name: string, factory: StoreFactory | string): void {
  void describe(`storage: ${name}`, () => {
    const withStore = (title: string, body: (store: OpenedStore, t: TestContext) => Promise<void>): void => {
      void
      it(title, { skip: typeof factory === 'string' ? factory : false }, async (t) => {
        if (typeof factory === 'string') return;
        let clock = Date.parse('2026-01-01T00:00:00Z');
        const store = await factory(() => (clock += 1000));
        try {
          await body(store, t);
        } finally {
          await store.dispose();
        }
      });
    };

    withStore('models and versions round-trip with their JSON, lineage and state', async ({ storage }) => {
      const model = await storage.createModel({ name: 'iris', description: 'flowers', createdBy: 'k1' });
      assert.equal(model.createdAt, '2026-01-01T00:00:01.000Z');
      await assert.rejects(storage.createModel({ name: 'iris', description: '', createdBy: 'k1' }), StorageConflictError);
      await storage.createVersion(version('iris', '1'));
      await storage.createVersion({ ...version('iris', '2'), breaking: true });
      await assert.rejects(storage.createVersion(version('iris', '1')), StorageConflictError);
      const got = await storage.getVersion('iris', '2');
      assert.deepEqual(got?.lineage, version('iris', '2').lineage);
      assert.deepEqual(got?.manifest, version('iris', '2').manifest);
      assert.equal(got?.breaking, true);
      assert.equal(got?.modelCard, '# iris\nclassifies flowers');
      assert.deepEqual((await storage.listVersions('iris')).map((v) => v.version), ['1', '2']);
      assert.deepEqual((await storage.listModels()).map((m) => m.name), ['iris']);
      assert.equal(await storage.getVersion('iris', '3'), undefined);
      assert.equal(await storage.setVersionState('iris', '1', 'draft', 'staged'), true);
      assert.equal(await storage.setVersionState('iris', '1', 'draft', 'staged'), false, 'compare-and-set refuses a stale from-state');
      assert.equal((await storage.getVersion('iris', '1'))?.state, 'staged');
    });

    withStore('evaluations, approvals and deployment history are recorded per version', async ({ storage }) => {
      await storage.createModel({ name: 'iris', description: '', createdBy: 'k1' });
      await storage.createVersion(version('iris', '1'));
      await storage.addEvaluation({ model: 'iris', version: '1', dataset: 'holdout', metrics: { accuracy: 0.97, f1: 0.95 }, createdBy: 'k1' });
      const evals = await storage.listEvaluations('iris', '1');
      assert.deepEqual(evals.map((e) => [e.dataset, e.metrics.accuracy]), [['holdout', 0.97]]);
      await storage.addApproval({ model: 'iris', version: '1', approverKeyId: 'k2', role: 'approver', decision: 'approve', comment: 'ok' });
      assert.deepEqual((await storage.listApprovals('iris', '1')).map((a) => [a.approverKeyId, a.decision]), [['k2', 'approve']]);
      await storage.addDeployment({ model: 'iris', version: '1', fromState: null, toState: 'draft', by: 'k1', reason: 'pushed' });
      await storage.addDeployment({ model: 'iris', version: '1', fromState: 'draft', toState: 'staged', by: 'k1', reason: '' });
      assert.deepEqual((await storage.listDeployments('iris')).map((d) => [d.fromState, d.toState]), [[null, 'draft'], ['draft', 'staged']]);
      await assert.rejects(storage.addEvaluation({ model: 'iris', version: '9', dataset: 'x', metrics: {}, createdBy: 'k1' }), 'a version must exist');
    });

    withStore('API keys are stored by hash, listed, revoked once, and counted', async ({ storage }) => {
      assert.equal(await storage.countApiKeys(), 0);
      await storage.createApiKey({ id: 'a1', prefix: 'sy_a1', hash: 'h'.repeat(64), name: 'ci', roles: ['admin', 'viewer'], tenant: null, createdBy: 'system' });
      await assert.rejects(storage.createApiKey({ id: 'a1', prefix: 'sy_a1', hash: 'x', name: '', roles: [], tenant: null, createdBy: 'system' }), StorageConflictError);
      const key = await storage.getApiKey('a1');
      assert.deepEqual(key?.roles, ['admin', 'viewer']);
      assert.equal(key?.revokedAt, null);
      const revoked = await storage.revokeApiKey('a1');
      assert.ok(revoked?.revokedAt);
      assert.equal((await storage.revokeApiKey('a1'))?.revokedAt, revoked.revokedAt, 'a second revoke keeps the first time');
      assert.equal(await storage.revokeApiKey('nope'), undefined);
      assert.equal(await storage.countApiKeys(), 1);
      assert.equal((await storage.listApiKeys()).length, 1);
    });

    withStore('tenants are created and replaced', async ({ storage }) => {
      await storage.putTenant({ name: 'acme', allowedModels: ['iris'], quotas: { requestsPerSecond: 10 } });
      await storage.putTenant({ name: 'acme', allowedModels: ['iris', 'vad'], quotas: { maxConcurrent: 4 } });
      const t = await storage.getTenant('acme');
      assert.deepEqual(t?.allowedModels, ['iris', 'vad']);
      assert.deepEqual(t?.quotas, { maxConcurrent: 4 });
      assert.equal((await storage.listTenants()).length, 1);
    });

    withStore('SLO overrides are created, replaced in place and listed by id', async ({ storage }) => {
      const slo = (id: string, threshold: number, setBy: string) => {
        const [model = '', version = '', latencyClass = ''] = id.split(':');
        return { id, model, version, latencyClass, objective: { latency_class: latencyClass, latency_threshold_ms: threshold, actions: ['alert', 'shed'] }, setBy };
      };
      const first = await storage.putSloOverride(slo('iris:1:realtime', 50, 'k1'));
      assert.equal(first.setAt, '2026-01-01T00:00:01.000Z');
      await storage.putSloOverride(slo('iris:1:throughput', 250, 'k1'));
      const replaced = await storage.putSloOverride(slo('iris:1:realtime', 25, 'k2'));
      assert.deepEqual(await storage.getSloOverride('iris:1:realtime'), replaced);
      assert.deepEqual(replaced.objective, { latency_class: 'realtime', latency_threshold_ms: 25, actions: ['alert', 'shed'] });
      assert.equal(replaced.setBy, 'k2');
      assert.equal(replaced.setAt, '2026-01-01T00:00:03.000Z');
      assert.deepEqual((await storage.listSloOverrides()).map((o) => [o.id, o.model, o.version, o.latencyClass]), [
        ['iris:1:realtime', 'iris', '1', 'realtime'],
        ['iris:1:throughput', 'iris', '1', 'throughput'],
      ]);
      assert.equal(await storage.getSloOverride('iris:2:realtime'), undefined);
      await assert.rejects(
        storage.transaction(async (tx) => {
          await tx.putSloOverride(slo('iris:2:realtime', 10, 'k1'));
          throw new Error('abort');
        }),
      );
      assert.equal(await storage.getSloOverride('iris:2:realtime'), undefined, 'rolled back with its transaction');
    });

    withStore('a transaction commits all its writes or none', async ({ storage }) => {
      await assert.rejects(
        storage.transaction(async (tx) => {
          await tx.createModel({ name: 'ghost', description: '', createdBy: 'k1' });
          await tx.appendAudit([{ actor: 'k1', action: 'model.create', target: 'model/ghost' }]);
          throw new Error('abort');
        }),
        /abort/,
      );
      assert.equal(await storage.getModel('ghost'), undefined);
      assert.equal((await storage.auditHead()).seq, 0);
      await storage.transaction(async (tx) => {
        await tx.createModel({ name: 'real', description: '', createdBy: 'k1' });
        await tx.appendAudit([{ actor: 'k1', action: 'model.create', target: 'model/real', after: { name: 'real' } }]);
      });
      assert.ok(await storage.getModel('real'));
      assert.equal((await storage.auditHead()).seq, 1);
    });

    withStore('the audit log chains rows, pages them and verifies', async ({ storage }) => {
      assert.deepEqual(await storage.auditHead(), { seq: 0, hash: GENESIS_HASH });
      const first = await storage.appendAudit([{ actor: 'k1', action: 'key.create', target: 'key/a', after: { b: 1, a: [1, 2] } }]);
      assert.equal(first[0]?.prevHash, GENESIS_HASH);
      assert.equal(first[0]?.after, '{"a":[1,2],"b":1}', 'JSON is stored canonically');
      await storage.appendAudit(Array.from({ length: 120 }, (_, i) => ({ actor: 'k1', action: 'inference', target: 'model/iris/1', detail: { latencyMs: i } })));
      const head = await storage.auditHead();
      assert.equal(head.seq, 121);
      const page = await storage.listAudit(0, 50);
      assert.equal(page.rows.length, 50);
      assert.equal(page.nextAfterSeq, 50);
      assert.equal((await storage.listAudit(100, 50)).nextAfterSeq, null);
      const verdict = await verifyAuditChain(auditRows(storage, 7), head);
      assert.deepEqual(verdict, { ok: true, rows: 121, head });
    });

    withStore('audit rows are stored and hashed in the chain format existing logs were written in', async ({ storage }) => {
      // Hashes from the first implementation: a change here means old logs no longer verify.
      const appended = await storage.appendAudit([
        { actor: 'k1', action: 'key.create', target: 'key/a', at: '2026-01-01T00:00:00.000Z', after: { name: 'ops', roles: ['admin'], b: { z: 1, a: [true, null, 'é\u2028"\\'] } } },
        { actor: 'a1b2c3d4e5f6', action: 'inference', target: 'model/iris/1', at: '2026-01-01T00:00:01.000Z', detail: { model: 'iris', version: '1', digest: null, outcome: 'ok', latencyMs: 0.4, inputSha256: 'sha256:00' } },
        { actor: 'k1', action: 'model.promote', target: 'model/iris/1', at: '2026-01-01T00:00:02.000Z', before: { state: 'staging' }, after: { state: 'production', '10': 1, '9': 2 } },
      ]);
      const stored = (await storage.listAudit(0, 10)).rows;
      assert.deepEqual(stored, appended);
      assert.deepEqual(stored.map((r) => [r.before, r.after, r.detail]), [
        [null, '{"b":{"a":[true,null,"é\u2028\\"\\\\"],"z":1},"name":"ops","roles":["admin"]}', null],
        [null, null, '{"digest":null,"inputSha256":"sha256:00","latencyMs":0.4,"model":"iris","outcome":"ok","version":"1"}'],
        ['{"state":"staging"}', '{"9":2,"10":1,"state":"production"}', null],
      ]);
      assert.deepEqual(stored.map((r) => r.hash), [
        '50205498d88b0d8ba4da37f44ee1274dd76979c85bb44ef2085413e4d850a014',
        '6e7f684a5af169b4d1c2002db1022ca62ca8723fbb8f2f4786418c14ab89633f',
        '95cc2f0098be3d4f93cf7b3076c5ca03af2295599645c302db659c76664bf45d',
      ]);
    });

    withStore('a detail given as canonical JSON text is stored and hashed as the same detail given as a value', async ({ storage }) => {
      const detail = { count: 2, digest: null, fields: ['a', 'b'], inferences: [[0, 0.5, 'ok', null], [3, 1.25, 'OVERLOADED', 'sha256:00']] };
      const entry = { actor: 'k1', action: 'inferences', target: 'model/iris/1', at: '2026-01-01T00:00:00.000Z' };
      await storage.appendAudit([{ ...entry, detail }, { ...entry, detailJson: JSON.stringify(detail) }]);
      const stored = (await storage.listAudit(0, 10)).rows;
      assert.equal(stored[1]!.detail, stored[0]!.detail);
      assert.deepEqual((await verifyAuditChain(auditRows(storage))).ok, true);
    });

    withStore('concurrent appends keep one linear chain', async ({ storage }) => {
      await Promise.all(Array.from({ length: 20 }, (_, i) => storage.appendAudit([{ actor: `k${i}`, action: 'x', target: 't' }, { actor: `k${i}`, action: 'y', target: 't' }])));
      const verdict = await verifyAuditChain(auditRows(storage));
      assert.equal(verdict.ok, true);
      assert.equal(verdict.rows, 40);
    });

    withStore('verify names the first bad row after an edit, a deletion, a reordering or a truncation', async ({ storage, exec }) => {
      await storage.appendAudit(Array.from({ length: 6 }, (_, i) => ({ actor: 'k1', action: 'key.create', target: `key/${i}`, after: { i } })));
      const head = await storage.auditHead();
      const check = async () => verifyAuditChain(auditRows(storage, 2), head);

      await exec(`update audit_log set actor = 'mallory' where seq = 3`);
      let verdict = await check();
      assert.equal(verdict.ok, false);
      assert.equal(!verdict.ok && verdict.badSeq, 3);
      assert.match(!verdict.ok ? verdict.reason : '', /edited/);
      await exec(`update audit_log set actor = 'k1' where seq = 3`);
      assert.equal((await check()).ok, true);

      await exec(`update audit_log set seq = 100 where seq = 2`);
      await exec(`update audit_log set seq = 2 where seq = 4`);
      await exec(`update audit_log set seq = 4 where seq = 100`);
      verdict = await check();
      assert.equal(!verdict.ok && verdict.badSeq, 2, 'reordering is caught at the first moved row');

      await exec(`update audit_log set seq = 100 where seq = 2`);
      await exec(`update audit_log set seq = 2 where seq = 4`);
      await exec(`update audit_log set seq = 4 where seq = 100`);
      assert.equal((await check()).ok, true);

      await exec(`delete from audit_log where seq = 5`);
      verdict = await check();
      assert.equal(!verdict.ok && verdict.badSeq, 6, 'a deletion is caught at the row after the gap');

      await exec(`delete from audit_log where seq = 6`);
      verdict = await check();
      assert.equal(!verdict.ok && verdict.badSeq, 5, 'a truncation is caught against the exported head');
      assert.match(!verdict.ok ? verdict.reason : '', /truncated/);
      assert.equal((await verifyAuditChain(auditRows(storage))).ok, true, 'without the head a truncation cannot be seen');
    });
  });
}

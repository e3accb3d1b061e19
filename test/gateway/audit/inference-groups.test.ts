import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuditBuffer } from '../../../src/registry/audit/audit-buffer.js';
import { openSqliteStorage } from '../../../src/registry/storage/sqlite/open-sqlite.js';
import { verifyAuditChain } from '../../../src/registry/audit/audit-chain.js';
import { canonicalJson } from '../../../src/registry/audit/canonical-json.js';
import { auditRows } from '../../../src/registry/audit/audit-rows.js';
import { InferenceGroups, MAX_PER_ROW } from '../../../src/serving/audit/inference-groups.js';
import type { Clock } from '../../../src/core/clock.js';

function manualClock(startMs: number): Clock & { advance(ms: number): void } {
  let now = startMs;
  return { now: () => now, wallNow: () => now, advance: (ms: number) => void (now += ms) };
}

const summary = (actor: string, i: number, outcome = 'ok') => ({ actor, model: 'm', version: '1', digest: 'sha256:ab', outcome, latencyMs: i + 0.12345, inputSha256: `sha256:${String(i).padStart(64, '0')}` });

test('each inference is a tuple in its caller and version row: time offset, latency, outcome and input digest', async () => {
  const storage = await openSqliteStorage({ path: ':memory:' });
  const clock = manualClock(Date.UTC(2026, 10, 29, 5, 0, 0));
  const buffer = new AuditBuffer(storage, { flushIntervalMs: 60_000, flushMaxRows: 1000, onError: () => assert.fail('no error expected') });
  const groups = new InferenceGroups(buffer, clock);
  groups.add(summary('key-a', 0));
  clock.advance(7);
  groups.add(summary('anonymous', 1, 'INVALID_REQUEST'));
  clock.advance(5);
  groups.add({ ...summary('key-a', 2), inputSha256: null });
  await buffer.flush();
  const { rows } = await storage.listAudit(0, 10);
  assert.deepEqual(rows.map((r) => [r.action, r.actor, r.target, r.at]), [
    ['inferences', 'key-a', 'model/m/1', '2026-11-29T05:00:00.000Z'],
    ['inferences', 'anonymous', 'model/m/1', '2026-11-29T05:00:00.007Z'],
  ]);
  const first = JSON.parse(rows[0]!.detail ?? '{}') as Record<string, unknown>;
  assert.deepEqual(first, {
    count: 2,
    digest: 'sha256:ab',
    fields: ['offsetMs', 'latencyMs', 'outcome', 'inputSha256'],
    firstAt: '2026-11-29T05:00:00.000Z',
    inferences: [
      [0, 0.123, 'ok', `sha256:${'0'.repeat(64)}`],
      [12, 2.123, 'ok', null],
    ],
    lastAt: '2026-11-29T05:00:00.012Z',
    model: 'm',
    version: '1',
  });
  assert.equal(rows[0]!.detail, JSON.stringify(first), 'stored in canonical (sorted-key) form');
  assert.equal(canonicalJson(first), rows[0]!.detail, 'the text written where the row is built is the canonical form');
  // Nothing held back: the next flush writes nothing new.
  await buffer.flush();
  assert.equal((await storage.auditHead()).seq, 2);
  assert.equal((await verifyAuditChain(auditRows(storage))).ok, true);
  await storage.close();
});

test(`a row holds at most ${MAX_PER_ROW} inferences; the next start a new row, and none is lost`, async () => {
  const storage = await openSqliteStorage({ path: ':memory:' });
  const clock = manualClock(0);
  const buffer = new AuditBuffer(storage, { flushIntervalMs: 60_000, flushMaxRows: 1000, onError: () => assert.fail('no error expected') });
  const groups = new InferenceGroups(buffer, clock);
  const total = MAX_PER_ROW * 2 + 3;
  for (let i = 0; i < total; i++) {
    groups.add(summary('key-a', i));
    clock.advance(1);
  }
  await buffer.close();
  const { rows } = await storage.listAudit(0, 10);
  const details = rows.map((r) => JSON.parse(r.detail ?? '{}') as { count: number; inferences: [number, number, string, string][] });
  assert.deepEqual(details.map((d) => d.count), [MAX_PER_ROW, MAX_PER_ROW, 3]);
  const digests = details.flatMap((d) => d.inferences.map((t) => t[3]));
  assert.deepEqual(digests, Array.from({ length: total }, (_, i) => `sha256:${String(i).padStart(64, '0')}`), 'every inference once, in order');
  await storage.close();
});

test('flush_max_rows inferences waiting start a flush without waiting for the interval', async () => {
  const storage = await openSqliteStorage({ path: ':memory:' });
  const buffer = new AuditBuffer(storage, { flushIntervalMs: 60_000, flushMaxRows: 3, onError: () => assert.fail('no error expected') });
  const groups = new InferenceGroups(buffer, manualClock(0));
  groups.add(summary('key-a', 0));
  groups.add(summary('key-b', 1));
  // The interval is a minute: only the third summary can start this write.
  groups.add(summary('key-a', 2));
  for (let spins = 0; (await storage.auditHead()).seq === 0 && spins < 1000; spins += 1) await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual((await storage.listAudit(0, 10)).rows.map((r) => [r.actor, (JSON.parse(r.detail ?? '{}') as { count: number }).count]), [['key-a', 2], ['key-b', 1]]);
  await buffer.close();
  await storage.close();
});

test('an inference after a flush starts a new row: none goes into a row already written', async () => {
  const storage = await openSqliteStorage({ path: ':memory:' });
  const clock = manualClock(0);
  const buffer = new AuditBuffer(storage, { flushIntervalMs: 60_000, flushMaxRows: 1000, onError: () => assert.fail('no error expected') });
  const groups = new InferenceGroups(buffer, clock);
  groups.add(summary('key-a', 0));
  groups.add(summary('key-a', 1));
  await buffer.flush();
  groups.add(summary('key-a', 2));
  await buffer.flush();
  const { rows } = await storage.listAudit(0, 10);
  const details = rows.map((r) => JSON.parse(r.detail ?? '{}') as { count: number; inferences: [number, number, string, string][] });
  assert.deepEqual(details.map((d) => d.inferences.map((t) => t[3].slice(-1))), [['0', '1'], ['2']]);
  await storage.close();
});

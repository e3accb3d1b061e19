import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuditBuffer } from '../../../src/registry/audit/audit-buffer.js';
import { openSqliteStorage } from '../../../src/registry/storage/sqlite/open-sqlite.js';
import type { AuditEntryInput } from '../../../src/registry/storage/rows.js';
import type { Storage } from '../../../src/registry/storage/storage.js';

const entry = (i: number): AuditEntryInput => ({ actor: 'anonymous', action: 'inference', target: 'model/m/1', at: '2026-01-01T00:00:00.000Z', detail: { i } });

/** A store whose appends fail until `up()` is called; `errors` collects the buffer's reports. */
async function flakyStorage(): Promise<{ storage: Storage; flaky: Storage; errors: number[]; up: () => void }> {
  const storage = await openSqliteStorage({ path: ':memory:' });
  let fail = true;
  const flaky: Storage = Object.assign(Object.create(storage) as Storage, {
    appendAudit: async (entries: readonly AuditEntryInput[]) => {
      if (fail) throw new Error('database down');
      return storage.appendAudit(entries);
    },
  });
  return { storage, flaky, errors: [], up: () => void (fail = false) };
}

test('summaries are written in one batch when flushMaxRows wait, and on close', async () => {
  const storage = await openSqliteStorage({ path: ':memory:' });
  const calls: number[] = [];
  const counting: Storage = Object.assign(Object.create(storage) as Storage, {
    appendAudit: async (entries: readonly AuditEntryInput[]) => {
      calls.push(entries.length);
      return storage.appendAudit(entries);
    },
  });
  const buffer = new AuditBuffer(counting, { flushIntervalMs: 60_000, flushMaxRows: 4, onError: () => assert.fail('no error expected') });
  for (let i = 0; i < 4; i += 1) buffer.add(entry(i));
  // The interval is a minute: only reaching flushMaxRows can have started this write.
  for (let spins = 0; calls.length === 0 && spins < 1000; spins += 1) await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(calls, [4]);
  buffer.add(entry(4));
  buffer.add(entry(5));
  await buffer.flush();
  buffer.add(entry(6));
  await buffer.close();
  buffer.add(entry(7));
  assert.deepEqual(calls, [4, 2, 1], 'a batch at 4, the rest on flush, then on close; nothing after close');
  assert.equal((await storage.auditHead()).seq, 7);
  await storage.close();
});

test('a failed flush keeps its rows for the next one, in order', async () => {
  const { storage, flaky, errors, up } = await flakyStorage();
  const buffer = new AuditBuffer(flaky, { flushIntervalMs: 60_000, flushMaxRows: 100, maxBuffered: 3, onError: (_e, pending) => errors.push(pending) });
  buffer.add(entry(0));
  buffer.add(entry(1));
  await buffer.flush();
  buffer.add(entry(2));
  buffer.add(entry(3));
  assert.equal(buffer.dropped, 1, 'over maxBuffered the oldest is dropped and counted');
  up();
  await buffer.close();
  assert.deepEqual(errors, [2]);
  const rows = (await storage.listAudit(0, 10)).rows.map((r) => JSON.parse(r.detail ?? '{}') as { i: number });
  assert.deepEqual(rows.map((r) => r.i), [1, 2, 3]);
  await storage.close();
});

test('a source hands over its summary at each flush, after the rows added one by one; wake arms the interval', async () => {
  const storage = await openSqliteStorage({ path: ':memory:' });
  const buffer = new AuditBuffer(storage, { flushIntervalMs: 5, flushMaxRows: 1000, onError: () => assert.fail('no error expected') });
  let held = 0;
  buffer.addSource(() => {
    if (held === 0) return [];
    const summary = { ...entry(100), action: 'inference-refusals', detail: { count: held } };
    held = 0;
    return [{ entry: summary, weight: 1 }];
  });
  buffer.add(entry(1));
  held = 3;
  await buffer.flush();
  const rows = (await storage.listAudit(0, 10)).rows;
  assert.deepEqual(rows.map((r) => [r.action, r.detail]), [['inference', '{"i":1}'], ['inference-refusals', '{"count":3}']]);
  held = 2;
  buffer.wake();
  for (let spins = 0; (await storage.auditHead()).seq < 3 && spins < 200; spins += 1) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal((await storage.auditHead()).seq, 3, 'woken: the interval flushed the source without any row added');
  await buffer.close();
  await storage.close();
});

test('maxBuffered counts summaries: a row holding many weighs as many, and the oldest rows go first', async () => {
  const { storage, flaky, errors, up } = await flakyStorage();
  const buffer = new AuditBuffer(flaky, { flushIntervalMs: 60_000, flushMaxRows: 100, maxBuffered: 10, onError: (_e, pending) => errors.push(pending) });
  let next = 0;
  // Each flush hands over one row of four summaries (none once `next` is negative).
  buffer.addSource(() => (next < 0 ? [] : [{ entry: { ...entry(next), action: 'inferences', detail: { i: next } }, weight: 4 }]));
  next = 1;
  await buffer.flush();
  next = 2;
  await buffer.flush();
  assert.deepEqual(errors, [4, 8], 'each failed flush reports the summaries waiting');
  next = 3;
  await buffer.flush();
  assert.equal(buffer.dropped, 4, 'twelve summaries over a bound of ten: the oldest row (4) is dropped');
  assert.deepEqual(errors, [4, 8, 8]);
  buffer.add(entry(9));
  assert.equal(buffer.dropped, 4, 'nine summaries fit');
  up();
  next = -1;
  await buffer.close();
  const rows = (await storage.listAudit(0, 10)).rows.map((r) => (JSON.parse(r.detail ?? '{}') as { i: number }).i);
  assert.deepEqual(rows, [2, 3, 9]);
  await storage.close();
});

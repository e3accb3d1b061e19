/**
 * The audit appender thread writes through its own connection; control-plane entries written
 * through the main connection at the same time must land in the same unbroken chain.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStorage } from '../../../src/registry/storage/open-storage.js';
import { OffThreadAuditAppender } from '../../../src/registry/audit/off-thread-appender.js';
import { verifyAuditChain } from '../../../src/registry/audit/audit-chain.js';
import { auditRows } from '../../../src/registry/audit/audit-rows.js';

test('appends from the appender thread and the main connection interleave into one verified chain', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-appender-'));
  const settings = { driver: 'sqlite' as const, dataDir: dir };
  const storage = await openStorage(settings);
  const appender = new OffThreadAuditAppender(settings);
  try {
    await appender.start();
    const entry = (action: string, i: number) => ({ actor: 'test', action, target: `t/${i}`, detail: { i } });
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) {
      work.push(appender.appendAudit(Array.from({ length: 25 }, (_, j) => entry('inference', i * 25 + j))));
      // A control-plane change: a transaction on the main connection that reads before it writes.
      work.push(storage.transaction(async (tx) => {
        await tx.auditHead();
        return tx.appendAudit([entry('key.create', i)]);
      }));
    }
    await Promise.all(work);
    const verdict = await verifyAuditChain(auditRows(storage));
    assert.ok(verdict.ok, JSON.stringify(verdict));
    assert.equal(verdict.rows, 20 * 25 + 20);
    const actions = (await storage.listAudit(0, 1000)).rows.map((r) => r.action);
    assert.equal(actions.filter((a) => a === 'inference').length, 500);
    assert.equal(actions.filter((a) => a === 'key.create').length, 20);
  } finally {
    await appender.close();
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an appender whose database cannot be opened fails at start with the reason', async () => {
  const appender = new OffThreadAuditAppender({ driver: 'sqlite', dataDir: '/proc/no-such-place' });
  await assert.rejects(appender.start(), /the audit appender could not open the database/);
  await appender.close();
});

test('a closed appender refuses new entries instead of losing them silently', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-appender-'));
  const appender = new OffThreadAuditAppender({ driver: 'sqlite', dataDir: dir });
  try {
    await appender.start();
    await appender.close();
    await assert.rejects(appender.appendAudit([{ actor: 'test', action: 'inference', target: 't' }]), /closed/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * SIGKILL during writes, many times: afterwards every acknowledged write is present, SQLite's
 * integrity check is clean and the audit chain verifies. Kill points vary with a seeded
 * generator (after a number of acks, plus a delay of up to a few ms into the next writes).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { openSqliteStorage } from '../../../src/registry/storage/sqlite/open-sqlite.js';
import { verifyAuditChain } from '../../../src/registry/audit/audit-chain.js';
import { auditRows } from '../../../src/registry/audit/audit-rows.js';

const ROUNDS = 20;
const WRITER = new URL('../../fixtures/crash-writer.ts', import.meta.url).pathname;

/** mulberry32: a small seeded generator, so a failing run can be repeated. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs the writer until `acksBeforeKill` acks plus `delayMs`, kills it, returns what it acknowledged. */
function killRound(path: string, acksBeforeKill: number, delayMs: number): Promise<{ audit: number[]; keys: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, path], { stdio: ['ignore', 'pipe', 'pipe'] });
    const audit: number[] = [];
    const keys: string[] = [];
    let buffered = '';
    let stderr = '';
    let killing = false;
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const [word, kind, value] = line.split(' ');
        if (word !== 'ack' || value === undefined) continue;
        if (kind === 'audit') audit.push(Number(value));
        else keys.push(value);
        if (!killing && audit.length + keys.length >= acksBeforeKill) {
          killing = true;
          setTimeout(() => child.kill('SIGKILL'), delayMs);
        }
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ audit, keys });
      else reject(new Error(`writer exited ${code ?? ''} before it was killed: ${stderr}`));
    });
  });
}

test(`${ROUNDS} SIGKILLs during writes lose no acknowledged write and leave the database and the chain intact`, { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-crash-'));
  const path = join(dir, 'switchyard.db');
  const random = seeded(20261128);
  const acked = { audit: [] as number[], keys: [] as string[] };
  try {
    for (let round = 0; round < ROUNDS; round += 1) {
      const got = await killRound(path, 1 + Math.floor(random() * 60), Math.floor(random() * 4));
      acked.audit.push(...got.audit);
      acked.keys.push(...got.keys);
    }
    assert.ok(acked.audit.length + acked.keys.length >= ROUNDS, 'the writer acknowledged writes in every round');

    const raw = new BetterSqlite3(path, { readonly: true });
    try {
      assert.deepEqual(raw.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
    } finally {
      raw.close();
    }
    const storage = await openSqliteStorage({ path });
    try {
      const verdict = await verifyAuditChain(auditRows(storage));
      assert.equal(verdict.ok, true, JSON.stringify(verdict));
      const head = await storage.auditHead();
      assert.equal(new Set(acked.audit).size, acked.audit.length, 'no seq was acknowledged twice');
      for (const seq of acked.audit) assert.ok(seq <= head.seq, `acknowledged audit row ${seq} is present (head ${head.seq})`);
      const keys = new Set((await storage.listApiKeys()).map((k) => k.id));
      for (const id of acked.keys) assert.ok(keys.has(id), `acknowledged key ${id} is present`);
      const rows = (await storage.listAudit(0, 1_000_000)).rows;
      const audited = new Set(rows.filter((r) => r.action === 'key.create').map((r) => r.target));
      for (const id of keys) assert.ok(audited.has(`key/${id}`), `key ${id} has its audit row (same transaction)`);
    } finally {
      await storage.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

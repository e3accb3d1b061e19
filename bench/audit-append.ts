/**
 * `npm run bench -- audit-append [--rows N]`: why inference summaries are batched. Appends N
 * summaries to a SQLite store (WAL, synchronous=FULL) once as one transaction per row (what a
 * synchronous write per request would cost) and once in batches of 500 (the audit buffer's
 * default). Prints rows/s for both; the last line's ratio is batched / per-row.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStorage } from '../src/registry/storage/sqlite/open-sqlite.js';
import type { AuditEntryInput } from '../src/registry/storage/rows.js';

const summary = (i: number): AuditEntryInput => ({
  actor: 'a1b2c3d4e5f6',
  action: 'inference',
  target: 'model/identity/1',
  // Keys in the order src/serving/audit/inference-summary.ts builds them (sorted: canonicalJson's fast path).
  detail: { digest: `sha256:${'ab'.repeat(32)}`, inputSha256: `sha256:${i.toString(16).padStart(64, '0')}`, latencyMs: 0.4, model: 'identity', outcome: 'ok', version: '1' },
});

async function rowsPerSecond(rows: number, batch: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-audit-'));
  const storage = await openSqliteStorage({ path: join(dir, 'switchyard.db') });
  try {
    const start = performance.now();
    for (let i = 0; i < rows; i += batch) await storage.appendAudit(Array.from({ length: Math.min(batch, rows - i) }, (_, j) => summary(i + j)));
    return rows / ((performance.now() - start) / 1000);
  } finally {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function main(args: readonly string[]): Promise<number> {
  const flag = args.indexOf('--rows');
  const rows = flag >= 0 ? Number(args[flag + 1]) : 2000;
  if (!Number.isInteger(rows) || rows < 1) {
    process.stderr.write('--rows must be a positive integer\n');
    return 2;
  }
  const perRow = await rowsPerSecond(rows, 1);
  const batched = await rowsPerSecond(rows, 500);
  process.stdout.write(`| mode | rows | rows/s |\n| --- | --- | --- |\n| one transaction per row | ${rows} | ${perRow.toFixed(0)} |\n| batches of 500 | ${rows} | ${batched.toFixed(0)} |\n`);
  process.stdout.write(`${JSON.stringify({ bench: 'audit-append', rows, per_row_rows_per_s: Math.round(perRow), batched_rows_per_s: Math.round(batched), ratio: Math.round((batched / perRow) * 10) / 10 })}\n`);
  return 0;
}

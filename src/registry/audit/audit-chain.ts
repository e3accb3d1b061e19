/**
 * The audit log's hash chain. Each row's hash is SHA-256 over the canonical serialisation of its
 * fields including the previous row's hash, so editing, deleting or reordering any row breaks
 * every hash after it; cutting rows off the end is caught against an exported head.
 */
import crypto from 'node:crypto';
import type { AuditHead, AuditRow } from '../storage/rows.js';

/** prev_hash of the first row. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * SHA-256 of UTF-8 text, as hex. The one-shot crypto.hash (Node 20.12+) skips building a Hash
 * stream per row; older Node 20 releases lack it (read off the namespace: a named import of a
 * missing export would fail to load).
 */
const sha256Hex: (text: string) => string =
  typeof crypto.hash === 'function' ? (text) => crypto.hash('sha256', text, 'hex') : (text) => crypto.createHash('sha256').update(text).digest('hex');

/** The hashed serialisation: a JSON array of the stored column values, in a fixed order. */
export function auditRowHash(row: Omit<AuditRow, 'hash'>): string {
  return sha256Hex(JSON.stringify([row.seq, row.at, row.actor, row.action, row.target, row.before, row.after, row.detail, row.prevHash]));
}

export type AuditVerdict =
  | { readonly ok: true; readonly rows: number; readonly head: AuditHead }
  | { readonly ok: false; readonly rows: number; readonly badSeq: number; readonly reason: string };

/**
 * Walks the rows in stored order and names the first one that does not fit the chain. With an
 * exported `expectedHead`, a log that ends before it (or differs at it) is reported as truncated.
 */
export async function verifyAuditChain(rows: AsyncIterable<AuditRow>, expectedHead?: AuditHead): Promise<AuditVerdict> {
  let previous: AuditHead = { seq: 0, hash: GENESIS_HASH };
  let count = 0;
  for await (const row of rows) {
    count += 1;
    const bad = (reason: string): AuditVerdict => ({ ok: false, rows: count, badSeq: row.seq, reason });
    if (row.seq !== previous.seq + 1) {
      return bad(`row ${row.seq} follows row ${previous.seq}: rows were deleted or reordered before it`);
    }
    if (row.prevHash !== previous.hash) return bad(`row ${row.seq} does not link to row ${previous.seq}: a row was deleted, replaced or reordered`);
    if (auditRowHash(row) !== row.hash) return bad(`row ${row.seq} was edited: its content does not match its hash`);
    if (expectedHead && row.seq === expectedHead.seq && row.hash !== expectedHead.hash) {
      return bad(`row ${row.seq} differs from the exported head`);
    }
    previous = { seq: row.seq, hash: row.hash };
  }
  if (expectedHead && previous.seq < expectedHead.seq) {
    return { ok: false, rows: count, badSeq: previous.seq + 1, reason: `the log ends at row ${previous.seq} but the exported head is row ${expectedHead.seq}: rows ${previous.seq + 1}..${expectedHead.seq} were truncated` };
  }
  return { ok: true, rows: count, head: previous };
}

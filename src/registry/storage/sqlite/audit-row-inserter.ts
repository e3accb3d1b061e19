/**
 * The audit log's INSERT on SQLite: one statement, prepared once and run per row (a few µs
 * each), instead of kysely building and compiling a multi-row INSERT and better-sqlite3
 * preparing it anew for every chunk of every batch.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { AuditRowInserter } from '../kysely-storage.js';

type AuditParameters = [seq: number, at: string, actor: string, action: string, target: string, before: string | null, after: string | null, detail: string | null, prevHash: string, hash: string];

/**
 * `database` must be the connection the kysely dialect runs on: better-sqlite3 is one
 * synchronous connection, so the rows land in the transaction appendAudit holds open on it
 * (BEGIN IMMEDIATE, the audit_lock write and the head read come first, as on every driver).
 * Prepare it after the migrations: the statement needs the audit_log table.
 */
export function sqliteAuditRowInserter(database: BetterSqlite3.Database): AuditRowInserter {
  const insert = database.prepare<AuditParameters>(
    'insert into "audit_log" ("seq", "at", "actor", "action", "target", "before", "after", "detail", "prev_hash", "hash") values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  return (rows) => {
    // Outside a transaction each run would commit (and fsync) on its own, unserialised with the
    // appender thread's chain: a caller bug, not a slow path.
    if (!database.inTransaction) throw new Error('audit rows are inserted only inside the append transaction');
    for (const r of rows) insert.run(r.seq, r.at, r.actor, r.action, r.target, r.before, r.after, r.detail, r.prevHash, r.hash);
  };
}

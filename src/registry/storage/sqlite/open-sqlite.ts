/**
 * The embedded default: one SQLite file in WAL mode. synchronous=FULL makes every commit
 * durable before it returns (an acknowledged write survives a power cut, not just a crash).
 */
import BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, Kysely, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver } from 'kysely';
import { KyselyStorage, type AuditRowInserter } from '../kysely-storage.js';
import { migrateToLatest } from '../migrations.js';
import type { Database } from '../schema.js';
import { sqliteAuditRowInserter } from './audit-row-inserter.js';

export interface SqliteStorageOptions {
  /** File path, or ':memory:' for a private in-memory database (tests). */
  readonly path: string;
  readonly wallNow?: () => number;
  /** How long a write waits for another process's lock before failing. @default 5000 */
  readonly busyTimeoutMs?: number;
}

/**
 * Transactions take the write lock when they begin (BEGIN IMMEDIATE): the audit appender thread
 * writes through a second connection, and a deferred transaction that read before that commit
 * would fail at its first write (SQLITE_BUSY_SNAPSHOT) instead of waiting for the lock.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(settings);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.settings);
  }
}

export async function openSqliteStorage(options: SqliteStorageOptions): Promise<KyselyStorage> {
  const database = new BetterSqlite3(options.path);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma('foreign_keys = ON');
  database.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database }) });
  let insertAuditRows: AuditRowInserter;
  try {
    await migrateToLatest(db as Kysely<unknown>, 'sqlite');
    insertAuditRows = sqliteAuditRowInserter(database);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return new KyselyStorage(db, { driver: 'sqlite', wallNow: options.wallNow ?? Date.now, close: () => db.destroy(), insertAuditRows });
}

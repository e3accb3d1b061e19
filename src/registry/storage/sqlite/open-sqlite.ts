/**
 * The embedded default: one SQLite file in WAL mode. synchronous=FULL makes every commit
 * durable before it returns (an acknowledged write survives a power cut, not just a crash).
 */
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { KyselyStorage } from '../kysely-storage.js';
import { migrateToLatest } from '../migrations.js';
import type { Database } from '../schema.js';

export interface SqliteStorageOptions {
  /** File path, or ':memory:' for a private in-memory database (tests). */
  readonly path: string;
  readonly wallNow?: () => number;
  /** How long a write waits for another process's lock before failing. @default 5000 */
  readonly busyTimeoutMs?: number;
}

export async function openSqliteStorage(options: SqliteStorageOptions): Promise<KyselyStorage> {
  const database = new BetterSqlite3(options.path);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma('foreign_keys = ON');
  database.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  try {
    await migrateToLatest(db as Kysely<unknown>, 'sqlite');
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return new KyselyStorage(db, { driver: 'sqlite', wallNow: options.wallNow ?? Date.now, close: () => db.destroy() });
}

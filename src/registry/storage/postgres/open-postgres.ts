/**
 * PostgreSQL for clusters: a pg Pool behind kysely. `schema` pins the search_path of every
 * pooled connection, which is how tests get a fresh namespace each.
 */
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import { KyselyStorage } from '../kysely-storage.js';
import { migrateToLatest } from '../migrations.js';
import type { Database } from '../schema.js';

export interface PostgresStorageOptions {
  /** postgres://user@host:port/database */
  readonly url: string;
  /** Schema to use instead of the connection's default search_path. */
  readonly schema?: string;
  /** @default 10 */
  readonly maxConnections?: number;
  readonly wallNow?: () => number;
}

export async function openPostgresStorage(options: PostgresStorageOptions): Promise<KyselyStorage> {
  if (options.schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(options.schema)) throw new Error(`invalid schema name ${JSON.stringify(options.schema)}`);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrateToLatest(db as Kysely<unknown>, 'postgres');
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return new KyselyStorage(db, { driver: 'postgres', wallNow: options.wallNow ?? Date.now, close: () => db.destroy() });
}

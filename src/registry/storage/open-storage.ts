/** Opens the configured storage: SQLite in the data folder (default) or PostgreSQL. */
import { join } from 'node:path';
import { openPostgresStorage } from './postgres/open-postgres.js';
import { openSqliteStorage } from './sqlite/open-sqlite.js';
import type { Storage, StorageDriver } from './storage.js';

export interface StorageSettings {
  readonly driver: StorageDriver;
  /** Folder of the SQLite file (switchyard.db); ignored for PostgreSQL. */
  readonly dataDir: string;
  /** Required for PostgreSQL. */
  readonly postgresUrl?: string;
  readonly wallNow?: () => number;
}

export const SQLITE_FILE = 'switchyard.db';

export async function openStorage(settings: StorageSettings): Promise<Storage> {
  if (settings.driver === 'postgres') {
    if (!settings.postgresUrl) throw new Error('storage.driver postgres needs storage.postgres_url');
    return openPostgresStorage({ url: settings.postgresUrl, ...(settings.wallNow ? { wallNow: settings.wallNow } : {}) });
  }
  return openSqliteStorage({ path: join(settings.dataDir, SQLITE_FILE), ...(settings.wallNow ? { wallNow: settings.wallNow } : {}) });
}

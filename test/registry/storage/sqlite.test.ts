import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { openSqliteStorage } from '../../../src/registry/storage/sqlite/open-sqlite.js';
import { storageSuite } from './storage-suite.js';

storageSuite('sqlite', async (wallNow) => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-sqlite-'));
  const path = join(dir, 'switchyard.db');
  const storage = await openSqliteStorage({ path, wallNow });
  return {
    storage,
    // A second connection, as a tamperer would use.
    async exec(sql) {
      const db = new BetterSqlite3(path);
      try {
        db.exec(sql);
      } finally {
        db.close();
      }
    },
    async dispose() {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

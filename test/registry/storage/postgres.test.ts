import { after } from 'node:test';
import pg from 'pg';
import { openPostgresStorage } from '../../../src/registry/storage/postgres/open-postgres.js';
import { freshSchema, testPostgres } from '../../helpers/postgres.js';
import { storageSuite } from './storage-suite.js';

const server = await testPostgres();
after(() => {
  if (typeof server !== 'string') server.stop();
});

storageSuite(
  'postgres',
  typeof server === 'string'
    ? server
    : async (wallNow) => {
        const { schema, drop } = await freshSchema(server.url);
        const storage = await openPostgresStorage({ url: server.url, schema, wallNow });
        return {
          storage,
          async exec(sql) {
            const client = new pg.Client({ connectionString: server.url, options: `-c search_path=${schema}` });
            await client.connect();
            try {
              await client.query(sql);
            } finally {
              await client.end();
            }
          },
          async dispose() {
            await storage.close();
            await drop();
          },
        };
      },
);

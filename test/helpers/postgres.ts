/**
 * A PostgreSQL server for tests: the one CI started (SWITCHYARD_TEST_POSTGRES_URL), else a
 * throwaway cluster started here when PostgreSQL is installed, else a reason to skip.
 * Each test gets its own schema, dropped afterwards.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface TestPostgres {
  readonly url: string;
  stop(): void;
}

let shared: Promise<TestPostgres | string> | undefined;

/** The server URL, or a string saying why there is none. Started once per test process. */
export function testPostgres(): Promise<TestPostgres | string> {
  shared ??= start();
  return shared;
}

function pgBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

async function start(): Promise<TestPostgres | string> {
  const fromEnv = process.env.SWITCHYARD_TEST_POSTGRES_URL;
  if (fromEnv) return { url: fromEnv, stop: () => undefined };
  const bin = pgBin();
  if (!bin) return 'PostgreSQL half skipped: SWITCHYARD_TEST_POSTGRES_URL is unset and no /usr/lib/postgresql/*/bin/initdb is installed';
  if (process.getuid?.() !== 0) return 'PostgreSQL half skipped: SWITCHYARD_TEST_POSTGRES_URL is unset and starting a cluster needs root (su postgres)';
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-pg-'));
  chmodSync(dir, 0o777);
  const port = 40000 + Math.floor(Math.random() * 20000);
  const su = (command: string): void => {
    execFileSync('su', ['postgres', '-c', command], { stdio: 'ignore' });
  };
  su(`${bin}/initdb -D ${dir}/data -A trust -U postgres --no-sync`);
  su(`${bin}/pg_ctl -D ${dir}/data -l ${dir}/pg.log -w -o '-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off' start`);
  const stop = (): void => {
    try {
      su(`${bin}/pg_ctl -D ${dir}/data -m immediate stop`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  process.once('exit', () => {
    try {
      stop();
    } catch {
      // Already stopped.
    }
  });
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop };
}

/** Creates a schema with a random name; returns it and a function that drops it. */
export async function freshSchema(url: string): Promise<{ schema: string; drop: () => Promise<void> }> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`create schema ${schema}`);
  } finally {
    await client.end();
  }
  return {
    schema,
    async drop() {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`drop schema ${schema} cascade`);
      } finally {
        await c.end();
      }
    },
  };
}

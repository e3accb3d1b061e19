/**
 * The server itself killed with SIGKILL while clients create keys over HTTP: every key whose
 * 201 reached the client is in the store afterwards, with its audit row, the integrity check
 * is clean and the chain verifies. (crash.test.ts does the same with many more, cheaper rounds.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { request } from 'undici';
import BetterSqlite3 from 'better-sqlite3';
import { openSqliteStorage } from '../../../src/registry/storage/sqlite/open-sqlite.js';
import { verifyAuditChain } from '../../../src/registry/audit/audit-chain.js';
import { auditRows } from '../../../src/registry/audit/audit-rows.js';

const ROUNDS = 5;
const ENTRY = new URL('../../../src/main/switchyard.ts', import.meta.url).pathname;

/** Starts `switchyard up`; on the first start it also reads the admin key printed after the address. */
async function startServer(dataDir: string, repository: string, expectKey: boolean): Promise<{ child: ChildProcess; url: string; key: string | undefined }> {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'up', '--port', '0', '--data-dir', dataDir, '--model-repository', repository], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, SWITCHYARD_CONFIG: '' } });
  let key: string | undefined;
  let url: string | undefined;
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    const match = /^\s+(sy_[0-9a-f]{12}_\S+)$/.exec(line);
    if (match) key = match[1];
    else if (line.startsWith('{')) url ??= (JSON.parse(line) as { address?: string }).address;
    if (url && (key || !expectKey)) break;
  }
  assert.ok(url, 'the server printed its address');
  lines.close();
  child.stdout.resume();
  return { child, url, key };
}

test(`SIGKILL of the server during key creation, ${ROUNDS} times, loses no acknowledged key`, { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-server-crash-'));
  const repository = join(dir, 'models');
  mkdirSync(repository);
  let admin = '';
  const acked: string[] = [];
  try {
    for (let round = 0; round < ROUNDS; round += 1) {
      const server = await startServer(dir, repository, round === 0);
      if (server.key) admin = server.key;
      assert.ok(admin, 'the first start printed an admin key');
      // Kill after a few more acknowledged keys each round, with three requests in flight.
      const target = acked.length + 3 + round * 4;
      let stop = false;
      const exited = new Promise((resolve) => server.child.once('exit', resolve));
      const client = async (): Promise<void> => {
        while (!stop) {
          try {
            const response = await request(`${server.url}/v1/keys`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ roles: ['viewer'], name: `r${round}` }) });
            const body = (await response.body.json()) as { id?: string };
            if (response.statusCode === 201 && body.id) acked.push(body.id);
            if (!stop && acked.length >= target) {
              stop = true;
              server.child.kill('SIGKILL');
            }
          } catch {
            return; // The server died under this request: it was not acknowledged.
          }
        }
      };
      await Promise.all([client(), client(), client()]);
      await exited;
    }
    const raw = new BetterSqlite3(join(dir, 'switchyard.db'), { readonly: true });
    try {
      assert.deepEqual(raw.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
    } finally {
      raw.close();
    }
    const storage = await openSqliteStorage({ path: join(dir, 'switchyard.db') });
    try {
      const keys = new Set((await storage.listApiKeys()).map((k) => k.id));
      for (const id of acked) assert.ok(keys.has(id), `acknowledged key ${id} survived`);
      const audited = new Set((await storage.listAudit(0, 100_000)).rows.filter((r) => r.action === 'key.create').map((r) => r.target));
      for (const id of keys) assert.ok(audited.has(`key/${id}`), `key ${id} has its audit row`);
      assert.equal((await verifyAuditChain(auditRows(storage))).ok, true);
    } finally {
      await storage.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** `switchyard keys` and `switchyard audit` against a real SQLite store in a temp data folder. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';

const ENTRY = new URL('../../src/main/switchyard.ts', import.meta.url).pathname;

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', ENTRY, ...args], { encoding: 'utf8', env: { ...process.env, SWITCHYARD_CONFIG: '' } });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

test('keys create prints the key once; audit export saves a head; verify then names the first bad row', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-cli-'));
  const created = cli('keys', 'create', '--role', 'admin', '--role', 'viewer', '--name', 'ops', '--data-dir', dir);
  assert.equal(created.code, 0, created.err);
  const key = /^(sy_[0-9a-f]{12}_\S+)$/m.exec(created.out)?.[1] ?? '';
  assert.ok(key, created.out);
  const id = key.slice(3, 15);
  assert.equal(cli('keys', 'create', '--role', 'root', '--data-dir', dir).code, 2);
  assert.equal(cli('keys', 'revoke', id, '--data-dir', dir).code, 0);
  const listed = cli('keys', 'list', '--data-dir', dir);
  assert.match(listed.out, new RegExp(`${id}.*revoked`));
  assert.ok(!listed.out.includes(key), 'the key text is never listed');

  const head = join(dir, 'head.json');
  const exported = cli('audit', 'export', '--head', head, '--data-dir', dir);
  assert.equal(exported.code, 0, exported.err);
  assert.equal(exported.out.trim().split('\n').length, 2, 'one row per change: create, revoke');
  assert.equal((JSON.parse(readFileSync(head, 'utf8')) as { seq: number }).seq, 2);
  const ok = cli('audit', 'verify', '--head', head, '--data-dir', dir);
  assert.equal(ok.code, 0, ok.out + ok.err);
  assert.match(ok.out, /audit log ok: 2 rows/);

  const db = new BetterSqlite3(join(dir, 'switchyard.db'));
  db.exec('delete from audit_log where seq = 2');
  db.close();
  const truncated = cli('audit', 'verify', '--head', head, '--data-dir', dir);
  assert.equal(truncated.code, 1);
  assert.match(truncated.out, /BROKEN at row 2: .*truncated/);
  assert.equal(cli('audit', 'verify', '--data-dir', dir).code, 0, 'without the head the shorter chain is still consistent');
});

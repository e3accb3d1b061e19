/**
 * The cluster token from a file (not the command line, where `ps` shows it): the gateway creates
 * a missing file with a random token (mode 0600) and agents read the same file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ConfigError } from '../../src/core/config.js';
import { loadConfig, type TokenFileNote } from '../../src/main/config-sources.js';

const run = promisify(execFile);
const ENTRY = new URL('../../src/main/switchyard.ts', import.meta.url).pathname;
const dir = (): string => mkdtempSync(join(tmpdir(), 'switchyard-token-'));

test('a missing --cluster-token-file is created for the gateway with a random token, mode 0600, and used', () => {
  const file = join(dir(), 'nested', 'cluster.token');
  const note: TokenFileNote = {};
  const config = loadConfig({ flags: { 'cluster.token_file': file }, configFile: undefined, env: {}, cwd: process.cwd(), createTokenFile: true, note });
  assert.equal(note.createdTokenFile, file);
  assert.equal(config.cluster.token, readFileSync(file, 'utf8').trim());
  assert.ok((config.cluster.token ?? '').length >= 32);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  // The next start reads the same token.
  const again = loadConfig({ flags: {}, configFile: undefined, env: { SWITCHYARD_CLUSTER_TOKEN_FILE: file }, cwd: process.cwd(), createTokenFile: true });
  assert.equal(again.cluster.token, config.cluster.token);
});

test('a token file wins over a token from the environment; a token and a token file as flags is an error', () => {
  const file = join(dir(), 'cluster.token');
  writeFileSync(file, 'from-the-file-0123456789\n');
  const config = loadConfig({ flags: { 'cluster.token_file': file }, configFile: undefined, env: { SWITCHYARD_CLUSTER_TOKEN: 'from-the-environment-0123' }, cwd: process.cwd() });
  assert.equal(config.cluster.token, 'from-the-file-0123456789');
  assert.throws(() => loadConfig({ flags: { 'cluster.token': 'from-a-flag-0123456789', 'cluster.token_file': file }, configFile: undefined, env: {}, cwd: process.cwd() }), ConfigError);
  assert.throws(() => loadConfig({ flags: { 'cluster.token_file': join(dir(), 'absent') }, configFile: undefined, env: {}, cwd: process.cwd() }), /cannot be read \(ENOENT\)/);
});

test('an agent never creates the token file: a missing one is one line and exit 2', async () => {
  const missing = join(dir(), 'absent.token');
  const refused = await run(process.execPath, ['--import', 'tsx', ENTRY, 'agent', '--join', 'http://127.0.0.1:1', '--token-file', missing]).then(
    () => assert.fail('the agent started without its token'),
    (error: { code: number; stderr: string }) => error,
  );
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /^switchyard agent: cluster token file .*absent\.token: cannot be read \(ENOENT\)\n$/);
});

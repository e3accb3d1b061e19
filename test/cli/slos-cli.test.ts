/**
 * `switchyard slos` as its own process against the in-process server on loopback: the table
 * with budgets and burn rates, --json, and the key from SWITCHYARD_API_KEY.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createKey } from '../../src/gateway/auth/keys-routes.js';
import type { EmbeddedServer } from '../../src/main/server.js';
import { DEMO_REPOSITORY, startTestServer } from '../helpers/server.js';

const run = promisify(execFile);
const ENTRY = new URL('../../src/main/switchyard.ts', import.meta.url).pathname;

let server: EmbeddedServer;
let url = '';
let viewerKey = '';
before(async () => {
  const repository = mkdtempSync(join(tmpdir(), 'switchyard-slos-cli-'));
  cpSync(join(DEMO_REPOSITORY, 'identity'), join(repository, 'identity'), { recursive: true });
  appendFileSync(join(repository, 'identity', '1', 'model.yaml'), 'slo:\n  latency_threshold_ms: 25\n  actions: [alert, shed]\n');
  server = await startTestServer(repository);
  url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  viewerKey = (await createKey(server.storage, 'test', { name: 'dash', roles: ['viewer'], tenant: null })).text;
});
after(() => server.close());

async function slos(key: string, ...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', ENTRY, 'slos', '--url', url, ...args], { env: { ...process.env, SWITCHYARD_API_KEY: key } });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

test('switchyard slos lists each SLO with its budget left and burn rates', async () => {
  const listed = await slos(viewerKey);
  assert.equal(listed.code, 0, listed.stderr);
  const [header, row] = listed.stdout.split('\n');
  assert.match(header ?? '', /^SLO\s+OBJECTIVE\s+REQUESTS\s+BUDGET LEFT\s+BURN 5m\s+BURN 1h\s+BURN 6h\s+IN FORCE$/);
  assert.match(row ?? '', /^identity:1:realtime\s+99% < 25 ms, 99\.9% ok, 28 d\s+0\s+100%\/100%\s+0x\/0x\s+0x\/0x\s+0x\/0x\s+-$/);

  const json = await slos(viewerKey, '--json');
  assert.equal(json.code, 0, json.stderr);
  const parsed = JSON.parse(json.stdout) as { slos: { id: string; budget_remaining: unknown }[] };
  assert.deepEqual(parsed.slos.map((s) => [s.id, s.budget_remaining]), [['identity:1:realtime', { latency: 1, availability: 1 }]]);
});

test('switchyard slos without a key says the server wants one', async () => {
  const refused = await slos('');
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^error 401 UNAUTHENTICATED: /);
});

/**
 * Over a real socket: the in-process server listening on loopback, and the `switchyard models`
 * CLI as its own process pushing, approving, promoting and retiring a version.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createKey } from '../../src/gateway/auth/keys-routes.js';
import type { EmbeddedServer } from '../../src/main/server.js';
import { matmulChain, scratchRepository } from '../fixtures/onnx-fixtures.js';
import { startTestServer } from '../helpers/server.js';

const run = promisify(execFile);
const ENTRY = new URL('../../src/main/switchyard.ts', import.meta.url).pathname;

let server: EmbeddedServer;
let url: string;
const keys: Record<string, string> = {};
const dir = mkdtempSync(join(tmpdir(), 'switchyard-cli-'));

before(async () => {
  server = await startTestServer(scratchRepository());
  url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  for (const role of ['deployer', 'approver', 'operator', 'viewer'] as const) keys[role] = (await createKey(server.storage, 'test', { name: role, roles: [role], tenant: null })).text;
  writeFileSync(join(dir, 'model.onnx'), matmulChain(4, 1));
  writeFileSync(join(dir, 'meta.yaml'), `contract:
  inputs: [{ name: x, datatype: FP32, shape: [-1, 4] }]
  outputs: [{ name: y, datatype: FP32, shape: [-1, 4] }]
lineage: { code_revision: abc123, training_data_location: s3://bucket/train.csv }
evaluations: [{ dataset: holdout, metrics: { accuracy: 0.93 } }]
`);
  writeFileSync(join(dir, 'card.md'), '# Tiny\nFor tests.\n');
});
after(() => server.close());

async function cli(role: string, ...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', ENTRY, 'models', ...args, '--url', url], { env: { ...process.env, SWITCHYARD_API_KEY: keys[role] ?? '' } });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

test('switchyard models push | list | show | approve | promote | retire', async () => {
  const push = await cli('deployer', 'push', 'tiny', '1', '--artifact', join(dir, 'model.onnx'), '--metadata', join(dir, 'meta.yaml'), '--card', join(dir, 'card.md'));
  assert.equal(push.code, 0, push.stderr);
  assert.match(push.stdout, /pushed tiny version 1: draft, sha256:[0-9a-f]{64}/);
  const denied = await cli('viewer', 'push', 'tiny', '2', '--artifact', join(dir, 'model.onnx'), '--metadata', join(dir, 'meta.yaml'));
  assert.equal(denied.code, 1);
  assert.match(denied.stderr, /403 FORBIDDEN/);
  assert.equal((await cli('operator', 'promote', 'tiny', '1')).code, 0);
  const self = await cli('deployer', 'approve', 'tiny', '1');
  assert.match(self.stderr, /403/);
  assert.equal((await cli('approver', 'approve', 'tiny', '1', '--comment', 'fine')).code, 0);
  assert.match((await cli('operator', 'promote', 'tiny', '1')).stdout, /now approved/);
  assert.match((await cli('operator', 'promote', 'tiny', '1')).stdout, /now production/);
  const list = await cli('viewer', 'list');
  assert.match(list.stdout, /tiny\s+1\s+production\s+sha256:/);
  const show = await cli('viewer', 'show', 'tiny', '1');
  assert.match(show.stdout, /code_revision: abc123/);
  assert.match(show.stdout, /accuracy: 0.93/);
  assert.match(show.stdout, /# Tiny/);
  const history = await cli('viewer', 'show', 'tiny');
  assert.match(history.stdout, /staged -> approved/);
  assert.match((await cli('operator', 'retire', 'tiny', '1', '--reason', 'done')).stdout, /now retired/);
  const served = await cli('viewer');
  assert.equal(served.code, 0, 'plain `switchyard models` still lists served versions');
  assert.match(served.stdout, /MODEL\s+VERSION\s+STATE/);
  const usage = await cli('deployer', 'push', 'tiny', '3');
  assert.match(usage.stderr, /exactly one of --artifact or --source-url/);
});

/**
 * `switchyard up` on a port that is taken: one line naming the flag, exit code 2, no stack
 * trace, and nothing created first, so the next start on a free port still shows the first
 * admin key (before, the key was stored and never printed, and the admin API stayed locked).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ENTRY = new URL('../../src/main/switchyard.ts', import.meta.url).pathname;

test('a taken port is one line naming --port, and the first admin key is shown on the next start', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const { port } = blocker.address() as AddressInfo;
  const dataDir = join(mkdtempSync(join(tmpdir(), 'switchyard-port-')), 'data');
  try {
    const refused = await run(process.execPath, ['--import', 'tsx', ENTRY, 'up', '--port', String(port), '--data-dir', dataDir, '--log-level', 'silent']).then(
      () => assert.fail('switchyard up started on a taken port'),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    assert.equal(refused.code, 2);
    const lines = refused.stderr.trim().split('\n');
    assert.equal(lines.length, 1, refused.stderr);
    assert.match(lines[0] ?? '', new RegExp(`^switchyard: cannot listen on 127\\.0\\.0\\.1:${port}: .*in use.*--port`));
    assert.doesNotMatch(refused.stderr, /\n\s+at /);
    assert.equal(existsSync(dataDir), false, 'nothing may be created before the port is known to be free');
  } finally {
    blocker.close();
  }
  // The next start on a free port is the first start: it prints the admin key.
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'up', '--port', '0', '--data-dir', dataDir, '--log-level', 'silent'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    let key: string | undefined;
    for await (const line of createInterface({ input: child.stdout })) {
      const match = /^\s+(sy_\S+)$/.exec(line) ?? /^\s+(\S{20,})$/.exec(line);
      if (match) {
        key = match[1];
        break;
      }
    }
    assert.ok(key, 'the first admin key is printed');
  } finally {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
});

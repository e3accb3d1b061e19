/**
 * The worker-priority tests of onnx-backend.test.ts hold in a process that is itself niced
 * (`nice -n 10 npm test`): they once assumed the process ran at nice 0 and failed there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;

test('the worker nice tests pass in a process started under nice 5', { skip: process.platform !== 'linux' && 'Linux only' }, async () => {
  const env = { ...process.env };
  // Otherwise the inner runner would report to this one instead of printing its summary.
  delete env.NODE_TEST_CONTEXT;
  const args = ['-n', '5', process.execPath, '--import', 'tsx', '--test', '--test-name-pattern=nice', 'test/runtime/onnx-backend.test.ts'];
  const result = await run('nice', args, { cwd: ROOT, env }).catch((error: { stdout: string; code: number }) => error);
  assert.match(result.stdout, /^# fail 0$/m, result.stdout);
  assert.match(result.stdout, /^# pass [12]$/m, 'the nice tests ran (the urgency one needs root)');
});

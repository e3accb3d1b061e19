/**
 * `npm test`'s reporter: a line per file, failures in full at the end, and the output still
 * ends with node's TAP summary lines, the same figures the TAP reporter prints (CI reads them).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;
const FIXTURES = ['test/fixtures/reporter/failing.fixture.ts', 'test/fixtures/reporter/passing.fixture.ts'];
const SUMMARY_KEYS = ['tests', 'suites', 'pass', 'fail', 'cancelled', 'skipped', 'todo', 'duration_ms'];

async function runTests(reporterArgs: string[]): Promise<string> {
  const args = ['--import', 'tsx', '--test', '--test-concurrency=1', ...reporterArgs, ...FIXTURES];
  // Without NODE_TEST_CONTEXT, which would make the inner runner report to this one instead.
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  // The fixtures fail on purpose, so the runner exits 1.
  const result = await run(process.execPath, args, { cwd: ROOT, env }).catch((error: { stdout: string; code: number }) => {
    assert.equal(error.code, 1);
    return error;
  });
  return result.stdout;
}

const summaryOf = (stdout: string): string[] => stdout.trimEnd().split('\n').slice(-SUMMARY_KEYS.length);

test('npm test uses the progress reporter', () => {
  const pkg = JSON.parse(readFileSync(new URL('package.json', `file://${ROOT}`), 'utf8')) as { scripts: { test: string } };
  assert.match(pkg.scripts.test, /--test-reporter=\.\/test\/reporter\/progress-reporter\.mjs --test-reporter-destination=stdout/);
});

test('one line per file, failures in full, and the TAP summary last', async () => {
  const stdout = await runTests(['--test-reporter=./test/reporter/progress-reporter.mjs', '--test-reporter-destination=stdout']);
  const lines = stdout.split('\n');
  assert.match(lines[0] ?? '', /^✖ +1 test\/fixtures\/reporter\/failing\.fixture\.ts: 1 passed, 1 failed \(\d+\.\d s\)$/);
  assert.match(lines[1] ?? '', /^✔ +2 test\/fixtures\/reporter\/passing\.fixture\.ts: 3 passed, 0 failed, 1 skipped \(\d+\.\d s\)$/);
  assert.match(stdout, /\n1 failure:\n\n1\) test\/fixtures\/reporter\/failing\.fixture\.ts: compares\n {4}AssertionError \[ERR_ASSERTION\]: the answer\n/);
  assert.ok(lines.length < 60, `short output, got ${lines.length} lines`);

  const tap = await runTests([]);
  const ours = summaryOf(stdout);
  const theirs = summaryOf(tap);
  assert.deepEqual(ours.map((l) => l.split(' ')[1]), SUMMARY_KEYS);
  // Every figure but the duration is the TAP reporter's, byte for byte.
  assert.deepEqual(ours.slice(0, -1), theirs.slice(0, -1));
  assert.match(ours.at(-1) ?? '', /^# duration_ms \d+(\.\d+)?$/);
  assert.deepEqual(ours.slice(0, -1), ['# tests 6', '# suites 1', '# pass 4', '# fail 1', '# cancelled 0', '# skipped 1', '# todo 0']);
});

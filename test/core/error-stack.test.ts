/**
 * A refusal or a caller's mistake is built without capturing a stack (its cost under overload
 * is in docs/hot-path.md); a fault keeps its stack for the log, and the process-wide
 * Error.stackTraceLimit is left as it was.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CATALOGUE, SwitchyardError, type ErrorCode } from '../../src/core/errors.js';

const frames = (error: Error) => (error.stack ?? '').split('\n').filter((line) => line.trimStart().startsWith('at ')).length;

test('answers (4xx, retryable 5xx) carry no stack frames; faults (non-retryable 5xx) do', () => {
  const limit = Error.stackTraceLimit;
  for (const code of Object.keys(ERROR_CATALOGUE) as ErrorCode[]) {
    const { status, retryable } = ERROR_CATALOGUE[code];
    const error = new SwitchyardError(code, 'message');
    const answer = status < 500 || retryable;
    if (answer) assert.equal(frames(error), 0, `${code} is an answer: no stack`);
    else assert.ok(frames(error) > 0, `${code} is a fault: stack kept`);
    assert.equal(Error.stackTraceLimit, limit, `${code} leaves Error.stackTraceLimit as it was`);
  }
  assert.ok(frames(new Error('plain')) > 0, 'other errors keep their stacks');
});

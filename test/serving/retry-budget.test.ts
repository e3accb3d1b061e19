import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RetryBudget } from '../../src/serving/live/retry-budget.js';

test('the minimum is always there, even with no traffic', () => {
  const b = new RetryBudget({ ratio: 0.2, min: 3, windowMs: 1000 });
  assert.deepEqual([1, 2, 3, 4].map(() => b.tryRetry(0)), [true, true, true, false]);
});

test('retries are capped at the ratio of requests over the window', () => {
  const b = new RetryBudget({ ratio: 0.2, min: 1, windowMs: 1000 });
  for (let i = 0; i < 100; i++) b.noteRequest(i);
  let granted = 0;
  while (b.tryRetry(100)) granted++;
  assert.equal(granted, 20);
});

test('the window slides: old requests and retries stop counting', () => {
  const b = new RetryBudget({ ratio: 0.5, min: 0, windowMs: 1000 });
  for (let i = 0; i < 10; i++) b.noteRequest(0);
  let granted = 0;
  while (b.tryRetry(0)) granted++;
  assert.equal(granted, 5);
  assert.equal(b.tryRetry(1500), false, 'no requests in the window now, and min is 0');
  for (let i = 0; i < 4; i++) b.noteRequest(1500);
  assert.equal(b.tryRetry(1500), true);
  assert.equal(b.tryRetry(1500), true);
  assert.equal(b.tryRetry(1500), false);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OutlierDetector } from '../../src/serving/live/outlier-detector.js';

const settings = { consecutiveErrors: 3, baseMs: 1000, maxMs: 2500 };

test('consecutive errors eject for base x ejection count, capped at max', () => {
  const d = new OutlierDetector(settings);
  assert.equal(d.failure('r', 0), undefined);
  assert.equal(d.failure('r', 1), undefined);
  assert.deepEqual(d.failure('r', 2), { untilMs: 1002, count: 1 });
  assert.equal(d.isEjected('r', 1001), true);
  assert.equal(d.isEjected('r', 1002), false);
  assert.equal(d.failure('r', 500), undefined, 'failures while ejected do not count');
  for (let i = 0; i < 2; i++) d.failure('r', 1100 + i);
  assert.deepEqual(d.failure('r', 1102), { untilMs: 1102 + 2000, count: 2 });
  for (let i = 0; i < 2; i++) d.failure('r', 3200 + i);
  assert.deepEqual(d.failure('r', 3202), { untilMs: 3202 + 2500, count: 3 }, 'capped at max_ms');
});

test('a success resets the consecutive count', () => {
  const d = new OutlierDetector(settings);
  d.failure('r', 0);
  d.failure('r', 1);
  d.success('r', 2);
  assert.equal(d.failure('r', 3), undefined);
  assert.equal(d.failure('r', 4), undefined);
  assert.ok(d.failure('r', 5));
});

test('a lost connection ejects at once', () => {
  const d = new OutlierDetector(settings);
  assert.deepEqual(d.failure('r', 10, true), { untilMs: 1010, count: 1 });
});

test('a replica healthy for a base period earns an ejection back', () => {
  const d = new OutlierDetector(settings);
  d.failure('r', 0, true); // until 1000
  d.failure('r', 1000, true); // count 2, until 3000
  assert.equal(d.ejectionCount('r'), 2);
  d.success('r', 3000 + 2 * 1000);
  assert.equal(d.ejectionCount('r'), 0);
  assert.deepEqual(d.failure('r', 5000, true), { untilMs: 6000, count: 1 });
});

test('a passed health check ends an ejection early but keeps its count', () => {
  const d = new OutlierDetector(settings);
  d.failure('r', 0, true);
  assert.equal(d.isEjected('r', 10), true);
  d.uneject('r', 10);
  assert.equal(d.isEjected('r', 10), false);
  assert.deepEqual(d.failure('r', 20, true), { untilMs: 20 + 2000, count: 2 });
});

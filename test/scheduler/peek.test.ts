/** Scheduler.peek: admission's early word from priority and deadline, consistent with submit. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FIXED, harness, replica } from './harness.js';

test('peek refuses a non-critical request over its queue share, as submit would; critical is left to submit', () => {
  const h = harness({ deployment: { ...FIXED, maxQueue: 4 }, replicas: [replica('a', { maxBatchSize: 1 })] });
  // One running, then two waiting: the sheddable share of a queue of 4 is 2.
  for (let i = 0; i < 3; i++) assert.equal(h.submit({ priority: 'critical' }), 'admitted');
  assert.equal(h.scheduler.queuedFor('m'), 2);
  const early = h.scheduler.peek('m', 'sheddable', Number.POSITIVE_INFINITY, h.now);
  assert.equal(early?.code, 'OVERLOADED');
  assert.ok((early?.retryAfterSeconds ?? 0) >= 1);
  const late = h.submit({ priority: 'sheddable' });
  assert.ok(late !== 'admitted' && !late.ok && late.code === 'OVERLOADED', 'submit agrees');
  assert.equal(h.scheduler.peek('m', 'standard', Number.POSITIVE_INFINITY, h.now), undefined, 'standard may still fill to 85%');
  assert.equal(h.scheduler.peek('m', 'critical', Number.POSITIVE_INFINITY, h.now), undefined);
  assert.equal(h.scheduler.peek('unknown', 'sheddable', Number.POSITIVE_INFINITY, h.now), undefined, 'an unknown deployment is for submit to answer');
});

test('peek refuses a deadline even the soonest replica misses with one row; a reachable one passes', () => {
  const h = harness({ deployment: { ...FIXED, admission: 'predictive' }, replicas: [replica('a'), replica('b', { serviceTimePrior: { baseMs: 2, perRowMs: 0.5 } })] });
  // The fast replica's prior: 2 ms for one row.
  assert.equal(h.scheduler.peek('m', 'standard', h.now + 1, h.now)?.code, 'DEADLINE_INFEASIBLE');
  const late = h.submit({ deadlineMs: h.now + 1 });
  assert.ok(late !== 'admitted' && !late.ok && late.code === 'DEADLINE_INFEASIBLE', 'submit agrees');
  assert.equal(h.scheduler.peek('m', 'standard', h.now + 50, h.now), undefined);
});

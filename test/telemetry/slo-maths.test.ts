import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MinuteRing } from '../../src/telemetry/slo/minute-ring.js';
import { budgetRemaining, burnRate } from '../../src/telemetry/slo/burn-rate.js';
import { compileSlo } from '../../src/telemetry/slo/objective.js';
import { SloTracker } from '../../src/telemetry/slo/slo-tracker.js';

const MIN = 60_000;
// A minute boundary far from zero, so bucket ids are large like real wall-clock ones.
const T0 = 29_000_000 * MIN;

function close(actual: number, expected: number, message?: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-9, `${message ?? ''} expected ${expected}, got ${actual}`);
}

test('burn rate and budget: the workbook definitions', () => {
  close(burnRate(10, 1000, 0.99), 1); // 1% bad against a 1% allowance burns at 1x
  close(burnRate(144, 1000, 0.99), 14.4);
  close(burnRate(0, 0, 0.99), 0);
  close(budgetRemaining(5, 1000, 0.99), 0.5); // 5 of 10 allowed bad requests spent
  close(budgetRemaining(0, 0, 0.99), 1);
  close(budgetRemaining(30, 1000, 0.99), -2);
});

test('the ring sums the current partial bucket and whole buckets before it', () => {
  const ring = new MinuteRing(3 * 24 * 60 * MIN);
  ring.record(T0 + 1_000, false, false);
  ring.record(T0 + 2_000, true, false);
  ring.record(T0 + 3_000, false, true);
  assert.deepEqual(ring.sum(T0 + 4 * MIN + 59_999, 5 * MIN), { total: 3, errors: 1, slowOrErrors: 2 });
  // Five minutes later the first bucket has left a 5-minute window but not a 6-minute one.
  assert.deepEqual(ring.sum(T0 + 5 * MIN, 5 * MIN), { total: 0, errors: 0, slowOrErrors: 0 });
  assert.equal(ring.sum(T0 + 5 * MIN, 6 * MIN).total, 3);
});

test('a slot reused a lap later drops the old counts, and a stale slot counts as empty', () => {
  const ring = new MinuteRing(3 * 24 * 60 * MIN);
  assert.equal(ring.size, 4320);
  ring.record(T0, true, true);
  const lap = T0 + 4320 * MIN;
  assert.equal(ring.sum(lap, 4320 * MIN).total, 0, 'the old bucket is outside the window now');
  ring.record(lap, false, false);
  assert.deepEqual(ring.sum(lap, 4320 * MIN), { total: 1, errors: 0, slowOrErrors: 0 });
});

test('a fast burn fires all three pairs, and the numbers match a hand computation', () => {
  const slo = compileSlo('m', '1', 'realtime', { latency_threshold_ms: 50, latency_target: 0.99, availability_target: 0.999 });
  const tracker = new SloTracker(slo);
  // 60 minutes of 100 requests each; the last 10 minutes are all slow (80 ms).
  for (let minute = 0; minute < 60; minute++) {
    for (let i = 0; i < 100; i++) tracker.record(T0 + minute * MIN + i, minute >= 50 ? 0.08 : 0.01, false);
  }
  const status = tracker.evaluate(T0 + 59 * MIN + 30_000);
  // 1h: 1000 bad of 6000 -> 0.1667 / 0.01 = 16.67; 5m: 500 of 500 -> 100; 30m: 1000 of 3000 -> 33.3.
  close(status.burnRates.latency['1h'] ?? NaN, 1000 / 6000 / 0.01);
  close(status.burnRates.latency['5m'] ?? NaN, 100);
  close(status.burnRates.latency['30m'] ?? NaN, 1000 / 3000 / 0.01);
  close(status.burnRates.latency['6h'] ?? NaN, 1000 / 6000 / 0.01, '6h holds only the hour of data');
  close(status.budgetRemaining.latency, 1 - 1000 / (6000 * 0.01));
  close(status.budgetRemaining.availability, 1);
  assert.deepEqual(status.firing.map((f) => `${f.sli}:${f.pair.name}`), ['latency:1h_5m', 'latency:6h_30m', 'latency:3d_6h']);
  assert.equal(status.totalInWindow, 6000);
});

test('a slow burn fires only the 3-day pair; a short spike alone fires nothing', () => {
  const slo = compileSlo('m', '1', 'realtime', { latency_target: 0.99 });
  const slow = new SloTracker(slo);
  // 2% slow, evenly, for 6 hours: burn 2 everywhere -> only the 1x pair.
  for (let minute = 0; minute < 360; minute++) {
    for (let i = 0; i < 50; i++) slow.record(T0 + minute * MIN + i, i === 0 ? 1 : 0.001, false);
  }
  const s = slow.evaluate(T0 + 359 * MIN);
  close(s.burnRates.latency['6h'] ?? NaN, 2);
  assert.deepEqual(s.firing.map((f) => f.pair.name), ['3d_6h']);

  const spike = new SloTracker(slo);
  // An hour of good traffic, then 4 minutes all slow: 5m burns at 80x but 1h at 6.67x < 14.4.
  for (let minute = 0; minute < 60; minute++) {
    for (let i = 0; i < 100; i++) spike.record(T0 + minute * MIN + i, minute >= 56 ? 1 : 0.001, false);
  }
  const p = spike.evaluate(T0 + 59 * MIN);
  close(p.burnRates.latency['5m'] ?? NaN, 400 / 500 / 0.01);
  close(p.burnRates.latency['1h'] ?? NaN, 400 / 6000 / 0.01);
  assert.ok(!p.firing.some((f) => f.pair.name === '1h_5m'));
});

test('server errors spend both budgets; the availability one at its own target', () => {
  const slo = compileSlo('m', '1', 'realtime', { latency_target: 0.99, availability_target: 0.999 });
  const tracker = new SloTracker(slo);
  for (let i = 0; i < 1000; i++) tracker.record(T0 + i, 0.001, i < 5);
  const status = tracker.evaluate(T0 + 1000);
  close(status.burnRates.availability['5m'] ?? NaN, 5); // 0.5% against 0.1%
  close(status.burnRates.latency['5m'] ?? NaN, 0.5); // 0.5% against 1%
  close(status.budgetRemaining.availability, 1 - 5 / (1000 * 0.001));
  close(status.budgetRemaining.latency, 0.5);
});

test('a changed objective keeps the counts; a changed window starts over', () => {
  const tracker = new SloTracker(compileSlo('m', '1', 'realtime', {}));
  tracker.record(T0, 0.04, false);
  tracker.update(compileSlo('m', '1', 'realtime', { latency_threshold_ms: 25 }));
  assert.equal(tracker.evaluate(T0).totalInWindow, 1);
  tracker.update(compileSlo('m', '1', 'realtime', { latency_threshold_ms: 25, window_days: 7 }));
  assert.equal(tracker.evaluate(T0).totalInWindow, 0);
});

test('an SLO threshold that is a histogram bound is what Prometheus can count exactly', async () => {
  const { thresholdIsBucketBound } = await import('../../src/telemetry/slo/objective.js');
  const { LATENCY_BUCKETS } = await import('../../src/telemetry/buckets.js');
  assert.equal(thresholdIsBucketBound(compileSlo('m', '1', 'realtime', { latency_threshold_ms: 50 }), LATENCY_BUCKETS), true);
  assert.equal(thresholdIsBucketBound(compileSlo('m', '1', 'realtime', { latency_threshold_ms: 75 }), LATENCY_BUCKETS), true);
  assert.equal(thresholdIsBucketBound(compileSlo('m', '1', 'realtime', { latency_threshold_ms: 60 }), LATENCY_BUCKETS), false);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideBatch, type BatchCandidate, type BatchingConfig } from '../../src/scheduler/batch-policy.js';
import { ServiceTimeModel } from '../../src/scheduler/service-time.js';

const adaptive: BatchingConfig = { policy: 'adaptive', preferredBatchSizes: [], maxQueueDelayMs: { realtime: 0, throughput: 20 } };
const fixed: BatchingConfig = { policy: 'fixed', preferredBatchSizes: [4], maxQueueDelayMs: { realtime: 2, throughput: 20 } };
// 10 ms per batch plus 0.5 ms per row: batching pays a lot.
const service = new ServiceTimeModel(16, { baseMs: 10, perRowMs: 0.5 });

function candidate(overrides: Partial<BatchCandidate>): BatchCandidate {
  return {
    nowMs: 100,
    rows: 1,
    maxBatchSize: 16,
    oldestEnqueuedAtMs: 100,
    hasRealtime: false,
    earliestDeadlineMs: 1000,
    latencyClass: 'throughput',
    arrivalRowsPerMs: 2,
    service,
    ...overrides,
  };
}

test('adaptive: realtime work and full batches never wait', () => {
  assert.equal(decideBatch(adaptive, candidate({ hasRealtime: true, latencyClass: 'realtime' })), 'now');
  assert.equal(decideBatch(adaptive, candidate({ rows: 16 })), 'now');
});

test('adaptive: waits for a fuller batch when rows arrive fast and a fuller batch is cheaper per row', () => {
  const decision = decideBatch(adaptive, candidate({}));
  assert.equal(typeof decision, 'number');
  // 15 more rows at 2 rows/ms: 7.5 ms.
  assert.equal(decision, 107.5);
});

test('adaptive: does not wait when arrivals are slow, the deadline is tight, or the queue delay is spent', () => {
  assert.equal(decideBatch(adaptive, candidate({ arrivalRowsPerMs: 0.01 })), 'now', 'few rows would arrive during one batch');
  assert.equal(decideBatch(adaptive, candidate({ arrivalRowsPerMs: 0 })), 'now', 'unknown rate');
  assert.equal(decideBatch(adaptive, candidate({ earliestDeadlineMs: 115 })), 'now', 'waiting 7.5 ms then running 17.5 ms misses 115');
  assert.equal(decideBatch(adaptive, candidate({ oldestEnqueuedAtMs: 85 })), 'now', 'the oldest has waited 15 of its 20 ms');
});

test('adaptive: does not wait when batching does not pay on this hardware', () => {
  const linear = new ServiceTimeModel(16, { baseMs: 0.1, perRowMs: 1 });
  assert.equal(decideBatch(adaptive, candidate({ service: linear })), 'now');
});

test('fixed (Triton): full or preferred sizes go at once, others wait out the max queue delay', () => {
  assert.equal(decideBatch(fixed, candidate({ rows: 16 })), 'now');
  assert.equal(decideBatch(fixed, candidate({ rows: 4 })), 'now');
  assert.equal(decideBatch(fixed, candidate({ rows: 3 })), 120);
  assert.equal(decideBatch(fixed, candidate({ rows: 3, hasRealtime: true, latencyClass: 'realtime' })), 102);
  assert.equal(decideBatch(fixed, candidate({ rows: 3, nowMs: 125, oldestEnqueuedAtMs: 100 })), 'now');
});

test('the service-time model learns from observed batches', () => {
  const model = new ServiceTimeModel(8, { baseMs: 10, perRowMs: 1 });
  assert.equal(model.predict(1), 10);
  for (let i = 0; i < 30; i++) {
    model.observe(1, 2);
    model.observe(8, 4);
  }
  assert.ok(Math.abs(model.predict(1) - 2) < 0.1, `learned batch-1 time ${model.predict(1)}`);
  assert.ok(Math.abs(model.predict(8) - 4) < 0.1, `learned batch-8 time ${model.predict(8)}`);
  const middle = model.predict(4);
  assert.ok(middle > 2 && middle < 4, `unseen sizes follow the fitted line: ${middle}`);
  assert.equal(model.drain(20), 2 * model.predict(8) + model.predict(4));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CircuitBreaker } from '../../src/scheduler/circuit-breaker.js';
import { ResponseCache, requestDigest } from '../../src/scheduler/response-cache.js';
import { fallbackReasonFor } from '../../src/scheduler/fallback-triggers.js';

test('the circuit opens after consecutive failures, probes once after open_ms, closes on success', () => {
  const c = new CircuitBreaker({ failureThreshold: 3, openMs: 1000 });
  assert.equal(c.decide(0), 'call');
  c.failure(0);
  c.failure(1);
  c.success(); // a success resets the count
  c.failure(2);
  c.failure(3);
  assert.equal(c.state(), 'closed');
  c.failure(4);
  assert.equal(c.state(), 'open');
  assert.equal(c.decide(500), 'refuse');
  assert.equal(c.retryAfterSeconds(500), 1);
  assert.equal(c.decide(1004), 'probe');
  assert.equal(c.state(), 'half_open');
  assert.equal(c.decide(1005), 'refuse', 'one probe at a time');
  c.failure(1100); // the probe failed: open again
  assert.equal(c.state(), 'open');
  assert.equal(c.decide(1500), 'refuse');
  assert.equal(c.decide(2100), 'probe');
  c.success();
  assert.equal(c.state(), 'closed');
  assert.equal(c.decide(2101), 'call');
});

test('a probe refused at admission gives its turn back', () => {
  const c = new CircuitBreaker({ failureThreshold: 1, openMs: 10 });
  c.failure(0);
  assert.equal(c.decide(10), 'probe');
  c.release();
  assert.equal(c.state(), 'open');
  assert.equal(c.decide(11), 'probe');
});

test('only serving-side failures trigger a fallback; bad input never does', () => {
  assert.equal(fallbackReasonFor('INFERENCE_FAILED'), 'inference_failed');
  assert.equal(fallbackReasonFor('DEADLINE_INFEASIBLE'), 'deadline_infeasible');
  assert.equal(fallbackReasonFor('NO_HEALTHY_REPLICA'), 'no_healthy_replica');
  assert.equal(fallbackReasonFor('OVERLOADED'), 'overloaded');
  for (const code of ['INPUT_SHAPE_MISMATCH', 'HINT_INVALID', 'HINTS_UNSATISFIABLE', 'BATCH_TOO_LARGE', 'BAD_JSON'] as const) assert.equal(fallbackReasonFor(code), undefined, code);
});

const tensor = (values: number[]) => ({ x: { datatype: 'FP32' as const, shape: [1, values.length], data: Float32Array.from(values) } });

test('the cache key covers version, outputs and every input byte', () => {
  const k = requestDigest('m:1', tensor([1, 2]), ['y']);
  assert.match(k, /^[0-9a-f]{64}$/);
  assert.equal(requestDigest('m:1', tensor([1, 2]), ['y']), k);
  assert.notEqual(requestDigest('m:2', tensor([1, 2]), ['y']), k);
  assert.notEqual(requestDigest('m:1', tensor([1, 3]), ['y']), k);
  assert.notEqual(requestDigest('m:1', tensor([1, 2]), ['z']), k);
});

test('the cache is bounded by entries, bytes and TTL', () => {
  const c = new ResponseCache({ maxEntries: 2, maxBytes: 10_000, ttlMs: 100 });
  c.put('a', tensor([1]), 0);
  c.put('b', tensor([2]), 0);
  assert.ok(c.get('a', 10)); // a is now the most recent
  c.put('c', tensor([3]), 10); // evicts b
  assert.equal(c.get('b', 10), undefined);
  assert.ok(c.get('a', 10));
  assert.equal(c.get('c', 200), undefined, 'expired');
  assert.equal(c.size, 1);
  const big = new ResponseCache({ maxEntries: 100, maxBytes: 1024, ttlMs: 100 });
  for (let i = 0; i < 50; i++) big.put(String(i), tensor(Array.from({ length: 20 }, () => i)), 0);
  assert.ok(big.totalBytes <= 1024, String(big.totalBytes));
  big.put('huge', tensor(Array.from({ length: 1000 }, () => 1)), 0);
  assert.equal(big.get('huge', 0), undefined, 'an answer over the whole budget is not kept');
  // Stored answers are copies: changing the original does not change the cache.
  const original = tensor([7]);
  c.put('d', original, 0);
  (original.x.data)[0] = 8;
  assert.equal(c.get('d', 1)?.x?.data[0], 7);
});

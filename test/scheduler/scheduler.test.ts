import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FIXED, harness, replica } from './harness.js';

const ADAPTIVE = { ...FIXED, admission: 'predictive' as const, batching: { ...FIXED.batching, policy: 'adaptive' as const } };

test('a batch forms as soon as it is full', () => {
  const h = harness();
  for (let i = 0; i < 4; i++) h.submit();
  assert.equal(h.batches.length, 1);
  assert.equal(h.batches[0]?.rows, 4);
  assert.deepEqual(h.batches[0]?.requests.map((r) => r.payload), ['r1', 'r2', 'r3', 'r4']);
});

test('a partial batch waits for the max queue delay, then goes', () => {
  const h = harness();
  h.submit();
  h.now = 2;
  h.submit();
  assert.equal(h.batches.length, 0);
  assert.equal(h.scheduler.nextWakeupMs(), 5, 'woken when the oldest has waited 5 ms');
  h.advanceTo(4.9);
  assert.equal(h.batches.length, 0);
  h.advanceTo(5);
  assert.equal(h.batches.length, 1);
  assert.equal(h.batches[0]?.rows, 2);
});

test('priority first, then earliest deadline first within a priority', () => {
  const h = harness({ replicas: [replica('a', { maxBatchSize: 1 })] });
  h.submit({ priority: 'standard', deadlineMs: 900 }); // starts at once on the idle replica
  h.submit({ priority: 'standard', deadlineMs: 500, payload: 'std-late' });
  h.submit({ priority: 'sheddable', deadlineMs: 100, payload: 'shed' });
  h.submit({ priority: 'critical', deadlineMs: 800, payload: 'crit' });
  h.submit({ priority: 'standard', deadlineMs: 200, payload: 'std-early' });
  const order: string[] = [];
  for (let i = 0; i < 4; i++) {
    const running = h.batches.at(-1)!;
    h.now += 10;
    h.finish(running);
    order.push(h.batches.at(-1)!.requests[0]!.payload);
  }
  assert.deepEqual(order, ['crit', 'std-early', 'std-late', 'shed']);
});

test('an infeasible deadline is refused at admission, not after it times out', () => {
  const h = harness({ deployment: ADAPTIVE });
  const outcome = h.submit({ deadlineMs: 5 }); // the prior says a batch takes 10 ms
  assert.ok(outcome !== 'admitted' && !outcome.ok);
  assert.equal(outcome.code, 'DEADLINE_INFEASIBLE');
  assert.match(outcome.message, /predicted completion in 10\.0 ms on cpu-x86 misses the deadline of 5\.0 ms/);
  assert.equal(h.batches.length, 0);
});

test('queue bounds refuse sheddable first, then standard, with Retry-After', () => {
  const h = harness({ deployment: { ...FIXED, maxQueue: 4 }, replicas: [replica('a', { maxBatchSize: 1 })] });
  h.submit(); // running
  const admitted = [h.submit({ priority: 'sheddable' }), h.submit({ priority: 'sheddable' })];
  assert.deepEqual(admitted, ['admitted', 'admitted']);
  const shed = h.submit({ priority: 'sheddable' });
  assert.ok(shed !== 'admitted' && !shed.ok && shed.code === 'OVERLOADED');
  assert.ok((shed.retryAfterSeconds ?? 0) >= 1);
  assert.equal(h.submit({ priority: 'standard' }), 'admitted'); // 3 waiting
  assert.equal(h.submit({ priority: 'standard' }), 'admitted'); // 4 waiting: standard's share is ceil(0.85 x 4)
  const standard = h.submit({ priority: 'standard' });
  assert.ok(standard !== 'admitted' && !standard.ok && standard.code === 'OVERLOADED');
});

test('critical work sheds a waiting sheddable request when the queue is full', () => {
  const h = harness({ deployment: { ...FIXED, maxQueue: 2 }, replicas: [replica('a', { maxBatchSize: 1 })] });
  h.submit({ priority: 'critical' }); // running
  h.submit({ priority: 'sheddable', payload: 'victim' });
  h.submit({ priority: 'critical', payload: 'vip' });
  assert.equal(h.submit({ priority: 'critical', payload: 'vip2' }), 'admitted');
  const victim = h.settled.get(2);
  assert.ok(victim && !victim.ok && victim.code === 'OVERLOADED');
  assert.match(victim.message, /shed to make room for critical traffic/);
});

test('hints filter hardware, memory and residency; nothing fits is a 400-class refusal', () => {
  const h = harness({
    replicas: [replica('cpu'), replica('gpu', { hardwareClass: 'h100', tier: 'cloud', memoryBytes: 80 * 2 ** 30 })],
    deployment: ADAPTIVE,
  });
  h.submit({ hints: { hardwareClasses: ['h100'] }, latencyClass: 'realtime' });
  assert.equal(h.batches.at(-1)?.replica.id, 'gpu');
  h.submit({ hints: { tiers: ['onprem'] }, latencyClass: 'realtime' });
  assert.equal(h.batches.at(-1)?.replica.id, 'cpu');
  h.submit({ hints: { memoryBytes: 40 * 2 ** 30, tiers: ['onprem', 'edge'] } });
  const outcome = h.settled.get(3);
  assert.ok(outcome && !outcome.ok && outcome.code === 'HINTS_UNSATISFIABLE');
  assert.match(outcome.message, /replicas run on: cpu-x86 \(onprem, \d+ bytes\), h100 \(cloud/);
});

test('realtime goes to the fastest hardware; throughput to the cheapest that meets its deadline', () => {
  const fast = replica('fast', { hardwareClass: 'h100', costPerHour: 10, serviceTimePrior: { baseMs: 1, perRowMs: 0.1 } });
  const cheap = replica('cheap', { hardwareClass: 'cpu-x86', costPerHour: 0.1, serviceTimePrior: { baseMs: 20, perRowMs: 5 } });
  const h = harness({ replicas: [fast, cheap], deployment: ADAPTIVE });
  h.submit({ latencyClass: 'realtime', deadlineMs: 100 });
  assert.equal(h.batches.at(-1)?.replica.id, 'fast');
  h.submit({ latencyClass: 'throughput', deadlineMs: 1000 });
  assert.equal(h.batches.at(-1)?.replica.id, 'cheap', '20 ms of 1000 ms slack: the CPU is cheap enough and safe');
  h.submit({ latencyClass: 'throughput', deadlineMs: 100 }); // the CPU would use 20% of the slack: too close
  assert.equal(h.settled.has(3), false);
  assert.equal(h.scheduler.replicaStats().find((s) => s.spec.id === 'fast')?.queued, 1, 'queued behind the fast replica');
});

test('stale load reports are not trusted', () => {
  const h = harness({ replicas: [replica('a'), replica('b')], deployment: ADAPTIVE });
  h.now = 5000;
  h.scheduler.report('b', 5000); // a has not reported for 5 s (stale after 1 s)
  h.submit({ latencyClass: 'realtime' });
  assert.equal(h.batches.at(-1)?.replica.id, 'b');
  h.submit({ latencyClass: 'realtime' });
  assert.equal(h.batches.length, 1, 'b is busy but still preferred over stale a: the request waits on b');
});

test('a deadline passing in the queue rejects (REJECT) or demotes (DELAY)', () => {
  const h = harness({ replicas: [replica('a', { maxBatchSize: 1 })] });
  h.submit(); // running
  h.submit({ deadlineMs: 50, payload: 'reject-me' });
  h.submit({ deadlineMs: 50, timeoutAction: 'delay', payload: 'delay-me' });
  h.submit({ deadlineMs: 500, priority: 'sheddable', payload: 'sheddable' });
  assert.equal(h.scheduler.nextWakeupMs(), 50);
  h.advanceTo(50);
  const rejected = h.settled.get(2);
  assert.ok(rejected && !rejected.ok && rejected.code === 'DEADLINE_EXCEEDED');
  h.finish(h.batches.at(-1)!);
  assert.equal(h.batches.at(-1)?.requests[0]?.payload, 'sheddable', 'the delayed request now ranks below every priority');
  h.finish(h.batches.at(-1)!);
  assert.equal(h.batches.at(-1)?.requests[0]?.payload, 'delay-me', 'but it is still served');
});

test('requests waiting on a failed replica move to a ready one', () => {
  const h = harness({ replicas: [replica('a', { maxBatchSize: 1 }), replica('b', { maxBatchSize: 1 })], router: 'round-robin' });
  h.submit();
  h.submit();
  h.submit(); // queued on one of them
  const queuedOn = h.scheduler.replicaStats().find((s) => s.queued === 1)!.spec.id;
  h.scheduler.setReplicaState(queuedOn, 'failed', 1);
  const other = h.scheduler.replicaStats().find((s) => s.spec.id !== queuedOn)!;
  assert.equal(other.queued, 1);
  h.scheduler.setReplicaState(other.spec.id, 'failed', 2);
  const outcome = h.settled.get(3);
  assert.ok(outcome && !outcome.ok && outcome.code === 'NO_HEALTHY_REPLICA');
});

test('a completed batch starts the next one from the queue (work-conserving)', () => {
  const h = harness({ deployment: ADAPTIVE, replicas: [replica('a', { maxBatchSize: 8 })] });
  h.submit({ latencyClass: 'realtime' });
  for (let i = 0; i < 5; i++) h.submit();
  assert.equal(h.batches.length, 1);
  h.now = 11;
  h.finish(h.batches[0]!);
  assert.equal(h.batches.length, 2);
  assert.equal(h.batches[1]?.rows, 5, 'everything that queued meanwhile goes in one batch');
  const served = h.settled.get(1);
  assert.ok(served?.ok);
  assert.equal(served.batchSize, 1);
  const second = h.batches[1];
  h.now = 25;
  h.finish(second, 12);
  const outcome = h.settled.get(2);
  assert.ok(outcome?.ok && outcome.queueMs === 11 && outcome.computeMs === 12 && outcome.batchSize === 5);
});

test('a request larger than some replicas batch goes only where it fits, or is refused', () => {
  const h = harness({ replicas: [replica('small', { maxBatchSize: 4 }), replica('big', { maxBatchSize: 8, hardwareClass: 'gpu' })], router: 'round-robin' });
  for (let i = 0; i < 4; i++) h.submit({ rows: 8, deadlineMs: Number.POSITIVE_INFINITY });
  assert.ok(h.batches.every((b) => b.replica.id === 'big'));
  const tooBig = h.submit({ rows: 9 });
  assert.ok(tooBig !== 'admitted' && !tooBig.ok && tooBig.code === 'BATCH_TOO_LARGE');
});

test('a request that runs alone (no batch key) goes at once where a partial batch would wait, and is never merged with another', () => {
  const h = harness();
  h.submit({ batchKey: undefined });
  assert.equal(h.batches.length, 1, 'dispatched without waiting the 5 ms max queue delay');
  h.submit({ batchKey: undefined });
  h.submit({ batchKey: undefined });
  h.submit({ batchKey: 'k' });
  assert.equal(h.batches.length, 1, 'the replica is busy: the rest wait');
  for (let i = 0; i < 2; i++) {
    h.now += 10;
    h.finish(h.batches.at(-1)!);
  }
  assert.deepEqual(h.batches.map((b) => b.requests.map((r) => r.payload)), [['r1'], ['r2'], ['r3']], 'one request per batch, each as soon as the replica is free');
});

test("a failed batch's retry hint reaches each refused request (for Retry-After)", () => {
  const h = harness();
  for (let i = 0; i < 4; i++) h.submit();
  const batch = h.batches[0]!;
  h.scheduler.complete(batch.id, 1, { ok: false, code: 'UPSTREAM_OVERLOADED', message: 'busy', retryAfterSeconds: 7 });
  assert.equal(h.settled.size, 4);
  for (const outcome of h.settled.values()) assert.deepEqual(outcome, { ok: false, code: 'UPSTREAM_OVERLOADED', message: 'busy', retryAfterSeconds: 7 });
});

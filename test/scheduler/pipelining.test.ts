/**
 * Batches in flight per replica (pipelineDepth), learning from the host's view of a batch's
 * occupancy, and admission that counts only the work queued ahead of a request's priority.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FIXED, harness, replica } from './harness.js';

const PREDICTIVE = { ...FIXED, admission: 'predictive' as const, batching: { policy: 'adaptive' as const, preferredBatchSizes: [], maxQueueDelayMs: { realtime: 0, throughput: 50 } } };

test('with depth 2, a full batch is staged behind the running one at once; a third waits for a completion', () => {
  const h = harness({ deployment: PREDICTIVE, replicas: [replica('a', { maxBatchSize: 1, pipelineDepth: 2, serviceTimePrior: { baseMs: 10, perRowMs: 0 } })] });
  for (let i = 0; i < 3; i++) assert.equal(h.submit({ priority: 'standard' }), 'admitted');
  assert.equal(h.batches.length, 2, 'two batches in flight, the worker never idles between them');
  assert.equal(h.scheduler.queuedFor('m'), 1);
  h.advanceTo(10);
  h.finish(h.batches[0]!, 10);
  assert.equal(h.batches.length, 3, 'the completion lets the third go behind the second');
});

test('with depth 1 (the default) only one batch runs at a time', () => {
  const h = harness({ deployment: PREDICTIVE, replicas: [replica('a', { maxBatchSize: 1, serviceTimePrior: { baseMs: 10, perRowMs: 0 } })] });
  for (let i = 0; i < 3; i++) h.submit();
  assert.equal(h.batches.length, 1);
});

test('a partial batch behind a running one keeps filling until the running one nears its end', () => {
  const h = harness({ deployment: PREDICTIVE, replicas: [replica('a', { maxBatchSize: 8, pipelineDepth: 2, serviceTimePrior: { baseMs: 20, perRowMs: 0 } })] });
  h.submit({ latencyClass: 'realtime' });
  assert.equal(h.batches.length, 1, 'realtime work on an idle replica goes at once');
  h.advanceTo(1);
  h.submit({ latencyClass: 'realtime' });
  h.advanceTo(2);
  h.submit({ latencyClass: 'realtime' });
  assert.equal(h.batches.length, 1, 'nothing gains from staging 1 row 18 ms before the replica frees up');
  // Predicted end of the running batch: 20 ms; staging lead: half its service time (10 ms).
  const wake = h.scheduler.nextWakeupMs();
  assert.equal(wake, 10);
  h.advanceTo(wake);
  assert.equal(h.batches.length, 2);
  assert.equal(h.batches[1]!.rows, 2, 'both rows that arrived meanwhile went together');
});

test('admission learns how long the host sees a replica taken, not only the reported compute', () => {
  const h = harness({ deployment: PREDICTIVE, replicas: [replica('a', { maxBatchSize: 1, serviceTimePrior: { baseMs: 1, perRowMs: 0 } })] });
  // The backend reports 1 ms of compute, but each answer reaches the scheduler 10 ms after dispatch.
  for (let i = 0; i < 30; i++) {
    h.submit({ deadlineMs: h.now + 1000 });
    h.advanceTo(h.now + 10);
    h.finish(h.batches[h.batches.length - 1]!, 1);
  }
  const refused = h.submit({ deadlineMs: h.now + 5 });
  assert.ok(refused !== 'admitted' && !refused.ok && refused.code === 'DEADLINE_INFEASIBLE', 'a 5 ms deadline is out of reach of a 10 ms occupancy');
  assert.equal(h.submit({ deadlineMs: h.now + 15 }), 'admitted');
});

test('a critical request is admitted when only lower-priority work would make it late', () => {
  const h = harness({ deployment: PREDICTIVE, replicas: [replica('a', { maxBatchSize: 1, serviceTimePrior: { baseMs: 10, perRowMs: 0 } })] });
  for (let i = 0; i < 10; i++) assert.equal(h.submit({ priority: 'sheddable', deadlineMs: h.now + 1000 }), 'admitted');
  // 1 running + 9 waiting sheddable = 100 ms of work; critical goes ahead of the waiting ones.
  assert.equal(h.submit({ priority: 'standard', deadlineMs: h.now + 50 }), 'admitted', 'standard also goes ahead of the waiting sheddable work');
  assert.equal(h.submit({ priority: 'critical', deadlineMs: h.now + 30 }), 'admitted');
  assert.equal(h.scheduler.peek('m', 'critical', h.now + 30, h.now), undefined);
  assert.equal(h.scheduler.peek('m', 'sheddable', h.now + 30, h.now)?.code, 'DEADLINE_INFEASIBLE', 'sheddable would wait behind all of it');
});

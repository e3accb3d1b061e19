/**
 * Residency and burst in the pure scheduler, on a virtual clock: whatever the arrivals,
 * deadlines, batch outcomes and replica failures, no request of an `onprem-only` tenant runs
 * on a cloud replica; and the cloud takes only what the home tiers cannot serve in time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import type { Batch, Outcome, SchedulerRequest, Tier } from '../../src/scheduler/types.js';
import { FIXED, replica } from './harness.js';

const ONPREM_ONLY: readonly Tier[] = ['edge', 'onprem'];
const REPLICAS = [
  replica('cpu1', { tier: 'onprem', costPerHour: 0.2, serviceTimePrior: { baseMs: 20, perRowMs: 2 } }),
  replica('cpu2', { tier: 'onprem', costPerHour: 0.2, serviceTimePrior: { baseMs: 20, perRowMs: 2 } }),
  replica('edge1', { tier: 'edge', hardwareClass: 'cpu-arm', costPerHour: 0.01, serviceTimePrior: { baseMs: 40, perRowMs: 5 } }),
  replica('gpu1', { tier: 'cloud', hardwareClass: 'h200', costPerHour: 3.72, maxBatchSize: 8, serviceTimePrior: { baseMs: 2, perRowMs: 0.1 } }),
  replica('gpu2', { tier: 'cloud', hardwareClass: 'h200', costPerHour: 3.72, maxBatchSize: 8, serviceTimePrior: { baseMs: 2, perRowMs: 0.1 } }),
];

function build(seed: number): { scheduler: Scheduler<string>; batches: Batch<string>[]; settled: Map<number, Outcome> } {
  const batches: Batch<string>[] = [];
  const settled = new Map<number, Outcome>();
  let state = seed;
  const scheduler = new Scheduler<string>({
    runtime: { execute: (batch) => batches.push(batch) },
    settle: (request, outcome) => {
      if (settled.has(request.id)) throw new Error(`request ${request.id} settled twice`);
      settled.set(request.id, outcome);
    },
    router: 'ours',
    cloudIsBurst: true,
    staleAfterMs: Number.POSITIVE_INFINITY,
    random: () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31),
  });
  scheduler.addDeployment('m', { ...FIXED, maxQueue: 40, admission: 'predictive', batching: { ...FIXED.batching, policy: 'adaptive' } });
  for (const spec of REPLICAS) scheduler.addReplica(spec, 0);
  return { scheduler, batches, settled };
}

const op = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('submit' as const), onpremOnly: fc.boolean(), latencyClass: fc.constantFrom('realtime' as const, 'throughput' as const), deadline: fc.integer({ min: 1, max: 300 }), rows: fc.integer({ min: 1, max: 4 }), priority: fc.constantFrom('critical' as const, 'standard' as const, 'sheddable' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 50 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('finish' as const), pick: fc.nat(), ok: fc.boolean(), ms: fc.integer({ min: 1, max: 60 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('state' as const), replica: fc.constantFrom(...REPLICAS.map((r) => r.id)), state: fc.constantFrom('ready' as const, 'failed' as const, 'draining' as const) }) },
);

test('under any load, failures included, no onprem-only request is served by a cloud replica', () => {
  let bursts = 0;
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2 ** 30 }), fc.array(op, { maxLength: 150 }), (seed, ops) => {
      const { scheduler, batches, settled } = build(seed);
      let now = 0;
      let nextId = 1;
      const onpremOnly = new Set<number>();
      const done = new Set<number>();
      const running = (): Batch<string>[] => batches.filter((b) => !done.has(b.id));
      const finish = (batch: Batch<string>, ok: boolean, ms: number): void => {
        done.add(batch.id);
        now = Math.max(now, batch.dispatchedAtMs + ms);
        scheduler.complete(batch.id, now, ok ? { ok: true, computeMs: ms } : { ok: false, code: 'INFERENCE_FAILED', message: 'boom' });
      };
      for (const o of ops) {
        if (o.kind === 'submit') {
          const id = nextId++;
          if (o.onpremOnly) onpremOnly.add(id);
          const request: SchedulerRequest<string> = {
            id, deployment: 'm', arrivalMs: now, priority: o.priority, latencyClass: o.latencyClass, deadlineMs: now + o.deadline,
            timeoutAction: 'reject', rows: o.rows, batchKey: 'k', hints: o.onpremOnly ? { tiers: ONPREM_ONLY } : {}, payload: `r${id}`,
          };
          const refused = scheduler.submit(request, now);
          if (refused) settled.set(id, refused);
        } else if (o.kind === 'tick') {
          now += o.ms;
          scheduler.advance(now);
        } else if (o.kind === 'finish') {
          const list = running();
          if (list.length > 0) finish(list[o.pick % list.length]!, o.ok, o.ms);
        } else {
          scheduler.setReplicaState(o.replica, o.state, now);
        }
      }
      for (const r of REPLICAS) scheduler.setReplicaState(r.id, 'ready', now);
      for (let guard = 0; guard < 10_000; guard++) {
        const next = running()[0];
        if (next) finish(next, true, 5);
        else if (Number.isFinite(scheduler.nextWakeupMs())) {
          now = Math.max(now, scheduler.nextWakeupMs());
          scheduler.advance(now);
        } else break;
      }
      assert.equal(settled.size, nextId - 1, 'every request ended exactly once');
      for (const batch of batches) {
        if (batch.replica.tier !== 'cloud') continue;
        for (const request of batch.requests) assert.ok(!onpremOnly.has(request.id), `onprem-only request ${request.id} ran on ${batch.replica.id}`);
        bursts += batch.requests.length;
      }
      for (const [id, outcome] of settled) if (outcome.ok && onpremOnly.has(id)) assert.notEqual(outcome.replica.tier, 'cloud');
    }),
    { numRuns: 300 },
  );
  // The property is not vacuous: other tenants' work did burst to the cloud in these runs.
  assert.ok(bursts > 0, 'some requests burst to the cloud');
});

test('the cloud takes a request only when the home tiers cannot meet its deadline', () => {
  const { scheduler, batches } = build(7);
  const submit = (id: number, deadline: number, hints = {}): Outcome | undefined =>
    scheduler.submit({ id, deployment: 'm', arrivalMs: 0, priority: 'standard', latencyClass: 'realtime', deadlineMs: deadline, timeoutAction: 'reject', rows: 1, batchKey: `solo${id}`, hints, payload: '' }, 0);
  assert.equal(submit(1, 100), undefined);
  assert.equal(batches.at(-1)!.replica.tier, 'onprem', 'home meets 100 ms: stays home');
  assert.equal(submit(2, 10), undefined);
  assert.equal(batches.at(-1)!.replica.tier, 'cloud', 'home needs 20 ms, the deadline is 10 ms: bursts');
  const refused = submit(3, 10, { tiers: ONPREM_ONLY });
  assert.equal(refused?.ok, false);
  assert.equal(refused?.ok === false && refused.code, 'DEADLINE_INFEASIBLE', 'onprem-only never bursts: refused instead');
});

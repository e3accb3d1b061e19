import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FIXED, harness, replica } from './harness.js';
import type { Batch } from '../../src/scheduler/types.js';

const op = fc.oneof(
  fc.record({
    kind: fc.constant('submit' as const),
    priority: fc.constantFrom('critical' as const, 'standard' as const, 'sheddable' as const),
    latencyClass: fc.constantFrom('realtime' as const, 'throughput' as const),
    deadline: fc.integer({ min: 1, max: 200 }),
    rows: fc.integer({ min: 1, max: 4 }),
    key: fc.constantFrom('a', 'b'),
    timeoutAction: fc.constantFrom('reject' as const, 'delay' as const),
    hardware: fc.option(fc.subarray(['cpu-x86', 'gpu'], { minLength: 1 }), { nil: undefined }),
    tiers: fc.option(fc.subarray(['edge' as const, 'onprem' as const, 'cloud' as const], { minLength: 1 }), { nil: undefined }),
  }),
  fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 30 }) }),
  fc.record({ kind: fc.constant('finish' as const), pick: fc.nat(), ok: fc.boolean() }),
  fc.record({ kind: fc.constant('state' as const), replica: fc.constantFrom('r1', 'r2', 'r3'), state: fc.constantFrom('ready' as const, 'failed' as const, 'draining' as const) }),
);

for (const [router, policy, admission, depth] of [['ours', 'adaptive', 'predictive', 1], ['ours', 'adaptive', 'predictive', 2], ['power-of-two', 'fixed', 'none', 1], ['round-robin', 'fixed', 'none', 3]] as const) {
  test(`no request is lost or answered twice, no batch breaks its limits (${router}, ${policy}, ${depth} in flight per replica)`, () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        const h = harness({
          router,
          deployment: { ...FIXED, maxQueue: 12, admission, batching: { ...FIXED.batching, policy } },
          replicas: [replica('r1', { maxBatchSize: 4, pipelineDepth: depth }), replica('r2', { maxBatchSize: 6, hardwareClass: 'gpu', pipelineDepth: depth }), replica('r3', { maxBatchSize: 4, tier: 'edge', pipelineDepth: depth })],
        });
        const running = new Set<Batch<string>>();
        let submitted = 0;
        const track = (): void => {
          for (const batch of h.batches) if (!batch.requests.every((r) => h.settled.has(r.id))) running.add(batch);
        };
        const finish = (batch: Batch<string>, ok: boolean): void => {
          running.delete(batch);
          if (ok) h.finish(batch, 5);
          else h.scheduler.complete(batch.id, h.now, { ok: false, code: 'INFERENCE_FAILED', message: 'boom' });
        };
        for (const o of ops) {
          if (o.kind === 'submit') {
            submitted++;
            h.submit({
              priority: o.priority,
              latencyClass: o.latencyClass,
              deadlineMs: h.now + o.deadline,
              rows: o.rows,
              batchKey: o.key,
              timeoutAction: o.timeoutAction,
              hints: { ...(o.hardware ? { hardwareClasses: o.hardware } : {}), ...(o.tiers ? { tiers: o.tiers } : {}) },
            });
          } else if (o.kind === 'tick') {
            h.advanceTo(h.now + o.ms);
          } else if (o.kind === 'finish') {
            const list = [...running];
            if (list.length > 0) finish(list[o.pick % list.length]!, o.ok);
          } else {
            h.scheduler.setReplicaState(o.replica, o.state, h.now);
          }
          track();
          for (const id of ['r1', 'r2', 'r3']) {
            const inFlight = [...running].filter((b) => b.replica.id === id).length;
            assert.ok(inFlight <= depth, `${inFlight} batches in flight on ${id}, more than ${depth}`);
          }
        }
        // Drain: everything ready, run batches out, let every timer fire.
        for (const id of ['r1', 'r2', 'r3']) h.scheduler.setReplicaState(id, 'ready', h.now);
        track();
        for (let guard = 0; guard < 10_000 && (running.size > 0 || Number.isFinite(h.scheduler.nextWakeupMs())); guard++) {
          const next = [...running][0];
          if (next) finish(next, true);
          else h.advanceTo(Math.max(h.now, h.scheduler.nextWakeupMs()));
          track();
        }
        assert.equal(h.settled.size, submitted, 'every request ended exactly once');
        for (const batch of h.batches) {
          assert.ok(batch.rows <= batch.replica.maxBatchSize, `batch of ${batch.rows} on ${batch.replica.id}`);
          assert.equal(new Set(batch.requests.map((r) => r.batchKey)).size, 1, 'one batch key per batch');
          assert.equal(batch.rows, batch.requests.reduce((n, r) => n + r.rows, 0));
          for (const request of batch.requests) {
            const { hardwareClasses, tiers } = request.hints;
            assert.ok(!hardwareClasses || hardwareClasses.includes(batch.replica.hardwareClass), 'hardware constraint held');
            assert.ok(!tiers || tiers.includes(batch.replica.tier), 'residency held');
          }
        }
      }),
      { numRuns: 300 },
    );
  });
}

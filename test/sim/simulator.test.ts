import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventHeap } from '../../src/sim/event-heap.js';
import { findGoodput, goodputOverSeeds, spread } from '../../src/sim/goodput.js';
import { POLICY_NAMES } from '../../src/sim/policies.js';
import { Rng } from '../../src/sim/rng.js';
import { simulate, type SimOptions, type SimResult } from '../../src/sim/simulator.js';
import { toyCluster } from './helpers.js';

function run(overrides: Partial<SimOptions> = {}): SimResult {
  return simulate({ cluster: toyCluster(), policy: 'ours', workload: { kind: 'poisson', ratePerS: 2000 }, requests: 4000, seed: 1, ...overrides });
}

function withoutWall(r: SimResult): unknown {
  return { ...r, wallMs: 0 };
}

test('the event heap pops in time order, ties first in first out', () => {
  const heap = new EventHeap(2);
  const rng = new Rng(5);
  const pushed: [number, number][] = [];
  for (let i = 0; i < 2000; i++) {
    const t = Math.floor(rng.next() * 100);
    heap.push(t, i, t * 10);
    pushed.push([t, i]);
  }
  pushed.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  for (const [t, id] of pushed) {
    assert.equal(heap.peekTime(), t);
    assert.equal(heap.peekId(), id);
    assert.equal(heap.peekValue(), t * 10);
    heap.pop();
  }
  assert.equal(heap.size, 0);
  assert.equal(heap.peekTime(), Number.POSITIVE_INFINITY);
});

test('every request is settled exactly once, for every policy, light load and overload', () => {
  for (const policy of POLICY_NAMES) {
    for (const [kind, ratePerS] of [['poisson', 300], ['mmpp', 3000], ['poisson', 20_000]] as const) {
      const r = run({ policy, workload: { kind, ratePerS }, requests: 3000 });
      const refused = Object.values(r.refused).reduce((a, b) => a + (b ?? 0), 0);
      const label = `${policy} ${kind} ${ratePerS}/s`;
      assert.equal(r.submitted, 3000, label);
      assert.equal(r.served + refused, r.submitted, label);
      assert.equal(r.met + r.late, r.served, label);
      assert.equal(r.unsettled, 0, label);
      assert.equal(r.duplicateSettlements, 0, label);
      assert.ok(r.attainment >= 0 && r.attainment <= 1, label);
    }
  }
});

test('under overload ours refuses early what it cannot serve in time; baselines queue and time out', () => {
  const ours = run({ workload: { kind: 'poisson', ratePerS: 200_000 } });
  const rr = run({ policy: 'round-robin', workload: { kind: 'poisson', ratePerS: 200_000 } });
  assert.ok((ours.refused.DEADLINE_INFEASIBLE ?? 0) > 0, JSON.stringify(ours.refused));
  assert.equal(rr.refused.DEADLINE_INFEASIBLE, undefined);
  assert.ok((rr.refused.DEADLINE_EXCEEDED ?? 0) + rr.late > 0);
});

test('ours beats round robin on attainment on a small heterogeneous cluster', () => {
  const ours = run({ workload: { kind: 'poisson', ratePerS: 4000 }, requests: 5000 });
  const rr = run({ policy: 'round-robin', workload: { kind: 'poisson', ratePerS: 4000 }, requests: 5000 });
  assert.ok(ours.attainment > rr.attainment + 0.1, `ours ${ours.attainment} vs round robin ${rr.attainment}`);
  // Round robin spreads evenly: the one fast replica gets 1/11 of the work.
  const fast = rr.hardware.find((h) => h.hardwareClass === 'fast')!;
  assert.ok(fast.rows < 0.15 * rr.hardware.reduce((n, h) => n + h.rows, 0));
});

test('the same seed gives the same result; another seed another', () => {
  for (const policy of ['ours', 'power-of-two'] as const) {
    const a = run({ policy, workload: { kind: 'mmpp', ratePerS: 3000 } });
    const b = run({ policy, workload: { kind: 'mmpp', ratePerS: 3000 } });
    assert.deepEqual(withoutWall(a), withoutWall(b));
    const c = run({ policy, workload: { kind: 'mmpp', ratePerS: 3000 }, seed: 2 });
    assert.notDeepEqual(withoutWall(a), withoutWall(c));
  }
});

test('the report adds up: latencies, utilisation, cost per 1,000', () => {
  const r = run({ keepLatencies: true, jitter: 0 });
  assert.equal(r.latencies?.length, r.served);
  const latencies = r.latencies ?? new Float64Array();
  for (let i = 1; i < latencies.length; i++) assert.ok(latencies[i]! >= latencies[i - 1]!);
  assert.ok(r.latencyMs.p50 <= r.latencyMs.p95 && r.latencyMs.p95 <= r.latencyMs.p99 && r.latencyMs.p99 <= r.latencyMs.max);
  assert.ok(r.latencyMs.p50 >= 0.2, 'no faster than the fastest batch');
  for (const h of r.hardware) assert.ok(h.utilisation >= 0 && h.utilisation <= 1, `${h.hardwareClass} ${h.utilisation}`);
  assert.equal(r.replicas, 1 + 6 + 4);
  assert.ok(Math.abs(r.clusterCostPerHour - (3 + 0.6 + 0.04)) < 1e-9);
  const cluster = ((r.clusterCostPerHour * r.durationMs) / 3_600_000 / r.served) * 1000;
  assert.ok(Math.abs(r.clusterCostPer1k - cluster) < 1e-15);
  // Cost per 1,000 charges the busy time of the batches, where they ran: never more than the whole cluster.
  const busy = (r.hardware.reduce((c, h) => c + h.busyCost, 0) / r.served) * 1000;
  assert.ok(Math.abs(r.costPer1k - busy) < 1e-15);
  assert.ok(r.costPer1k > 0 && r.costPer1k < r.clusterCostPer1k);
  assert.ok(r.makespanMs >= r.durationMs);
});

test('cost per 1,000 follows where requests ran, so it differs between policies that all serve everything', () => {
  const load = { workload: { kind: 'poisson', ratePerS: 1000 }, requests: 4000 } as const;
  const costs = POLICY_NAMES.map((policy) => run({ policy, ...load }));
  for (const r of costs) assert.ok(r.attainment > 0.95, `${r.policy} ${r.attainment}`);
  // The whole-cluster figure is the same for all (the old, uninformative column) ...
  assert.ok(costs.every((r) => Math.abs(r.clusterCostPer1k / costs[0]!.clusterCostPer1k - 1) < 0.01));
  // ... the busy-time one is not.
  assert.ok(new Set(costs.map((r) => r.costPer1k.toPrecision(3))).size > 1, costs.map((r) => `${r.policy} ${r.costPer1k}`).join(', '));
});

test('a warm-up window leaves its requests out of the figures', () => {
  const all = run({ requests: 4000 });
  const measured = run({ requests: 4000, warmupMs: 500 });
  assert.equal(measured.warmupMs, 500);
  assert.ok(measured.submitted < all.submitted && measured.submitted > 0.6 * all.submitted, `${measured.submitted} of ${all.submitted}`);
  const refused = Object.values(measured.refused).reduce((a, b) => a + (b ?? 0), 0);
  assert.equal(measured.served + refused, measured.submitted);
  assert.equal(measured.unsettled, 0);
});

test('goodput brackets the 99% crossing', () => {
  const g = findGoodput({ sim: { cluster: toyCluster(), policy: 'least-outstanding', workload: { kind: 'poisson', ratePerS: 1000 }, requests: 2000, seed: 1 }, tolerance: 0.1, windowS: 1, warmupS: 0.2, minRequests: 2000 });
  assert.ok(g.goodputPerS > 0);
  assert.ok(g.failsAtPerS > g.goodputPerS && g.failsAtPerS / g.goodputPerS <= 1.1 + 1e-9);
  assert.ok(g.atGoodput && g.atGoodput.attainment >= 0.99);
  for (const step of g.steps) assert.equal(step.passed, step.attainment >= 0.99);
});

test('goodput is a rate over a fixed window, not a request count: the requests asked for do not move it', () => {
  const sim = (requests: number): SimOptions => ({ cluster: toyCluster(), policy: 'ours', workload: { kind: 'poisson', ratePerS: 1000 }, requests, seed: 3 });
  const a = findGoodput({ sim: sim(500), tolerance: 0.1, windowS: 0.5, warmupS: 0.2, minRequests: 2000 });
  const b = findGoodput({ sim: sim(500_000), tolerance: 0.1, windowS: 0.5, warmupS: 0.2, minRequests: 2000 });
  assert.equal(a.goodputPerS, b.goodputPerS);
  assert.ok(a.atGoodput!.warmupMs === 200 && a.atGoodput!.submitted >= 2000);
});

test('goodput over seeds: a mean and a 95% interval per target, stricter targets no higher', () => {
  const g = goodputOverSeeds({ sim: { cluster: toyCluster(), policy: 'least-outstanding', workload: { kind: 'poisson', ratePerS: 1000 }, requests: 1, seed: 1 }, seeds: [1, 2, 3], targets: [0.99, 0.999], tolerance: 0.1, windowS: 0.5, warmupS: 0.2, minRequests: 2000 });
  const loose = g.byTarget.get(0.99)!;
  const strict = g.byTarget.get(0.999)!;
  assert.equal(loose.values.length, 3);
  assert.ok(loose.ci95 >= 0 && Number.isFinite(loose.ci95));
  for (let i = 0; i < 3; i++) assert.ok(strict.values[i]! <= loose.values[i]! * 1.1 + 1e-9, `${strict.values.join()} vs ${loose.values.join()}`);
  const s = spread([10, 12, 14]);
  assert.equal(s.mean, 12);
  assert.ok(Math.abs(s.ci95 - 4.303 * (2 / Math.sqrt(3))) < 1e-9);
});

test('policy deadline-cost and its former name ours run the same simulation; the report keeps the name given', () => {
  const named = run({ policy: 'deadline-cost' });
  const alias = run({ policy: 'ours' });
  assert.equal(alias.policy, 'ours');
  assert.deepEqual(withoutWall({ ...alias, policy: 'deadline-cost' }), withoutWall(named));
  assert.ok(POLICY_NAMES.includes('deadline-cost') && !POLICY_NAMES.includes('ours'), 'all runs each policy once, under its descriptive name');
});

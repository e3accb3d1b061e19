import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { runWindow } from '../../src/sim/goodput.js';
import type { PolicyName } from '../../src/sim/policies.js';
import { loadClusterSpec } from '../../src/sim/spec.js';
import { REPO } from './helpers.js';

// At the README's rate (20,000 req/s, conv trace, hetero cluster) `ours` was worst on attainment
// (99.95%) and p99 (40 ms against least-outstanding's 16 ms): it queued throughput work on the
// edge boards by their average cost per row until admission refused some.
test('at the README rate ours is at least as good as every baseline on attainment, p99 and realtime p99, and cheaper', () => {
  const cluster = loadClusterSpec(join(REPO, 'sim/examples/hetero.yaml'));
  const workload = { kind: 'trace', ratePerS: 20_000, tracePaths: [join(REPO, 'sim/traces/azure-llm-2023-conv.csv')] } as const;
  const at = (policy: PolicyName) => runWindow({ cluster, policy, workload, requests: 1, seed: 1 }, 20_000, 1, 0.25, 20_000);
  const ours = at('ours');
  assert.equal(ours.unsettled, 0);
  for (const policy of ['least-outstanding', 'power-of-two'] as const) {
    const base = at(policy);
    assert.ok(ours.attainment >= base.attainment, `attainment ${ours.attainment} vs ${policy} ${base.attainment}`);
    assert.ok(ours.latencyMs.p99 <= base.latencyMs.p99, `p99 ${ours.latencyMs.p99} vs ${policy} ${base.latencyMs.p99}`);
    assert.ok(ours.latencyByClassMs.realtime.p99 <= base.latencyByClassMs.realtime.p99, `realtime p99 ${ours.latencyByClassMs.realtime.p99} vs ${policy} ${base.latencyByClassMs.realtime.p99}`);
    assert.ok(ours.costPer1k < base.costPer1k, `cost/1k ${ours.costPer1k} vs ${policy} ${base.costPer1k}`);
  }
});

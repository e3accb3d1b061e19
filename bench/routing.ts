/**
 * Routing: the simulator (the real scheduler on a virtual clock) on the heterogeneous example
 * cluster (sim/examples/hetero.yaml), replaying the shared Azure LLM traces (code, then conv,
 * looping) scaled in rate, with requests sized by their prompt tokens. For each policy, ours
 * and the baselines (round robin, random, least outstanding, power of two, with Triton-style
 * batching): goodput, the highest rate at which >= 99% of requests meet their deadlines.
 *
 *   npm run bench -- routing [--quick] [--duration S] [--seed S]
 *
 * Every run simulates S seconds of traffic (2; 0.4 with --quick): requests = rate x S, so a
 * run outlasts the 250 ms throughput deadline many times over at every rate tried.
 *
 * ratio      = our goodput / the best baseline's goodput (target >= 1.5).
 * cost_ratio = our cost per 1,000 / that baseline's, at equal attainment (>= 99%) at a rate both
 *              sustain (0.9 x the lower goodput): each on the smallest uniformly scaled-down copy
 *              of the cluster that still holds 99% at that rate (a capacity plan), since on the
 *              same always-on cluster both pay the same for the same requests (also reported,
 *              as cost_ratio_same_cluster). Target < 1.
 * The last stdout line is one JSON object (see bench/README.md).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { findGoodput, type GoodputResult } from '../src/sim/goodput.js';
import { BASELINES, POLICY_NAMES, type PolicyName } from '../src/sim/policies.js';
import { formatTable, money } from '../src/sim/report.js';
import { simulate, type SimOptions, type SimResult } from '../src/sim/simulator.js';
import { loadClusterSpec, scaleCluster, type ClusterSpec } from '../src/sim/spec.js';
import type { WorkloadSpec } from '../src/sim/workload.js';
import { REPO_ROOT } from './lib/children.js';
import { round } from './lib/stats.js';

const TARGET = 0.99;
const START_RATE = 4000;

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function traces(): string[] {
  const dir = resolve(REPO_ROOT, '../shared/traces');
  const files = ['azure-llm-2023-code.csv', 'azure-llm-2023-conv.csv'].map((f) => join(dir, f));
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length > 0) throw new Error(`routing: the shared traces are missing: ${missing.join(', ')}`);
  return files;
}

interface Sizing {
  readonly scale: number;
  readonly result: SimResult | undefined;
  readonly cluster: ClusterSpec;
}

/** The smallest uniform scale of the cluster (bisection on node counts) holding the target at `rate`. */
function smallestCluster(base: SimOptions, rate: number, steps: number): Sizing {
  const at = (scale: number): SimResult => simulate({ ...base, cluster: scaleCluster(base.cluster, scale), workload: { ...base.workload, ratePerS: rate } });
  // (base.requests is already sized for `rate`.)
  let high = 1;
  let highResult = at(1);
  if (highResult.attainment < TARGET) return { scale: Number.NaN, result: undefined, cluster: base.cluster };
  let low = 1 / 16;
  for (let i = 0; i < steps; i++) {
    const mid = Math.sqrt(low * high);
    const r = at(mid);
    if (r.attainment >= TARGET) {
      high = mid;
      highResult = r;
    } else low = mid;
  }
  return { scale: high, result: highResult, cluster: scaleCluster(base.cluster, high) };
}

export async function main(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: { quick: { type: 'boolean', default: false }, duration: { type: 'string' }, seed: { type: 'string' } },
    strict: true,
  });
  const quick = values.quick === true;
  const durationS = values.duration === undefined ? (quick ? 0.4 : 2) : Number(values.duration);
  const seed = values.seed === undefined ? 1 : Number(values.seed);
  if (!(durationS > 0)) throw new Error(`--duration must be a positive number of seconds, got '${values.duration}'`);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got '${values.seed}'`);

  const started = performance.now();
  const cluster = loadClusterSpec(join(REPO_ROOT, 'sim/examples/hetero.yaml'));
  const workload: WorkloadSpec = { kind: 'trace', ratePerS: START_RATE, tracePaths: traces() };
  const requestsAt = (rate: number): number => Math.max(1000, Math.ceil(rate * durationS));
  const base = (policy: PolicyName): SimOptions => ({ cluster, policy, workload, requests: requestsAt(START_RATE), seed });

  log(`routing: ${cluster.name}, ${durationS} s of traffic per run, seed ${seed}; goodput = highest rate with >= ${TARGET * 100}% meeting deadlines`);
  const goodput = new Map<PolicyName, GoodputResult>();
  for (const policy of POLICY_NAMES) {
    const g = findGoodput({ sim: base(policy), target: TARGET, tolerance: quick ? 0.06 : 0.03, durationS });
    goodput.set(policy, g);
    log(`  ${policy.padEnd(18)} goodput ${g.goodputPerS.toFixed(0).padStart(7)} req/s (fails at ${g.failsAtPerS.toFixed(0)}; ${g.steps.length} runs)`);
  }
  const ours = goodput.get('ours')!.goodputPerS;
  const best = [...BASELINES].sort((a, b) => goodput.get(b)!.goodputPerS - goodput.get(a)!.goodputPerS)[0]!;
  const bestGoodput = goodput.get(best)!.goodputPerS;
  const ratio = bestGoodput > 0 ? ours / bestGoodput : Number.POSITIVE_INFINITY;

  // Cost at equal attainment: a rate both sustain, each policy on its smallest cluster.
  const both = 0.9 * Math.min(ours, bestGoodput);
  const sizingSteps = quick ? 5 : 7;
  const atBoth = (policy: PolicyName): SimOptions => ({ ...base(policy), requests: requestsAt(both), workload: { ...workload, ratePerS: both } });
  const sameOurs = simulate(atBoth('ours'));
  const sameBest = simulate(atBoth(best));
  const sizedOurs = both > 0 ? smallestCluster(atBoth('ours'), both, sizingSteps) : undefined;
  const sizedBest = both > 0 ? smallestCluster(atBoth(best), both, sizingSteps) : undefined;
  const costOurs = sizedOurs?.result?.costPer1k ?? Number.NaN;
  const costBest = sizedBest?.result?.costPer1k ?? Number.NaN;
  const costRatio = costOurs / costBest;
  const costRatioSame = sameOurs.costPer1k / sameBest.costPer1k;

  const rows: string[][] = [['policy', 'goodput req/s', 'vs ours', 'attained at goodput', 'p99 ms at goodput', 'cost/1k at goodput', 'utilisation at goodput']];
  for (const policy of POLICY_NAMES) {
    const g = goodput.get(policy)!;
    const r = g.atGoodput;
    rows.push([
      policy,
      g.goodputPerS.toFixed(0),
      policy === 'ours' ? '' : g.goodputPerS > 0 ? `x${(ours / g.goodputPerS).toFixed(2)}` : 'inf',
      r ? `${(r.attainment * 100).toFixed(2)}%` : '-',
      r ? r.latencyMs.p99.toFixed(2) : '-',
      r ? money(r.costPer1k) : '-',
      r ? r.hardware.map((h) => `${h.hardwareClass} ${(h.utilisation * 100).toFixed(0)}%`).join(', ') : '-',
    ]);
  }
  const nodes = (c: ClusterSpec): string => c.nodes.map((n) => `${n.count} ${n.name}`).join(' + ');
  const costRows = [
    ['at ' + both.toFixed(0) + ' req/s', 'attained (full cluster)', 'cost/1k (full cluster)', 'smallest cluster at >= 99%', 'USD/h', 'cost/1k (smallest)'],
    ['ours', `${(sameOurs.attainment * 100).toFixed(2)}%`, money(sameOurs.costPer1k), sizedOurs?.result ? nodes(sizedOurs.cluster) : 'none', sizedOurs?.result ? sizedOurs.result.clusterCostPerHour.toFixed(2) : '-', money(costOurs)],
    [best, `${(sameBest.attainment * 100).toFixed(2)}%`, money(sameBest.costPer1k), sizedBest?.result ? nodes(sizedBest.cluster) : 'none', sizedBest?.result ? sizedBest.result.clusterCostPerHour.toFixed(2) : '-', money(costBest)],
  ];
  const out = [
    '',
    `Routing on ${cluster.name} (${nodes(cluster)} nodes, ${cluster.profile.model}), Azure LLM traces code+conv scaled in rate, requests sized ceil(prompt tokens / ${cluster.traffic.tokensPerRow}) rows`,
    `${durationS} s of traffic per run, seed ${seed}, deadlines realtime ${cluster.traffic.deadlineMs.realtime.min} ms / throughput ${cluster.traffic.deadlineMs.throughput.min} ms, ${cluster.traffic.realtimeFraction * 100}% realtime`,
    '',
    formatTable(rows),
    '',
    `Cost at equal attainment, ours vs the best baseline (${best}) at ${both.toFixed(0)} req/s (0.9 x the lower goodput):`,
    formatTable(costRows),
    '',
    `ratio (our goodput / best baseline ${best}): ${ratio.toFixed(3)}   target >= 1.5: ${ratio >= 1.5 ? 'met' : 'NOT met'}`,
    `cost_ratio (our cost/1k / ${best}'s, each on its smallest cluster holding 99%): ${Number.isFinite(costRatio) ? costRatio.toFixed(3) : 'n/a'}   target < 1: ${costRatio < 1 ? 'met' : 'NOT met'}`,
    `cost_ratio_same_cluster (both on the full cluster): ${costRatioSame.toFixed(3)}`,
    `(${((performance.now() - started) / 1000).toFixed(1)} s; gpu-h200 and edge-arm service times are simulated, see sim/profiles/${cluster.profile.model}.yaml)`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  const summary = {
    bench: 'routing',
    ratio: round(ratio, 3),
    cost_ratio: Number.isFinite(costRatio) ? round(costRatio, 3) : null,
    cost_ratio_same_cluster: round(costRatioSame, 3),
    best_baseline: best,
    goodput_per_s: Object.fromEntries([...goodput].map(([p, g]) => [p, round(g.goodputPerS, 0)])),
    cost_per_1k_usd: { ours: Number.isFinite(costOurs) ? costOurs : null, [best]: Number.isFinite(costBest) ? costBest : null },
    cluster_scale: { ours: sizedOurs?.scale ?? null, [best]: sizedBest?.scale ?? null },
    rate_both_per_s: round(both, 0),
    duration_s: durationS,
    seed,
    cluster: cluster.name,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  return 0;
}

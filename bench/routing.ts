/**
 * Routing: the simulator (the real scheduler on a virtual clock) on the heterogeneous example
 * cluster (sim/examples/hetero.yaml), replaying the Azure LLM traces shipped in sim/traces (code,
 * then conv, looping, from a seeded start) scaled in rate, requests sized by their prompt tokens.
 * Ours against the baselines (round robin, random, least outstanding, power of two, each with
 * Triton-style batching), over several seeds:
 *
 *   npm run bench -- routing [--quick] [--seeds N] [--window S] [--warmup S]
 *
 * goodput    per target (99%, 99.5%, 99.9% of requests by their deadlines): the highest rate
 *            meeting it, searched per seed over a fixed measured window after a warm-up (see
 *            src/sim/goodput.ts); mean and 95% interval over the seeds.
 * ratio      = min over targets of our mean goodput / the best baseline's at that target (>= 1.5).
 * p99_ratio  = our p99 / the best baseline's (over all served requests), at 50% and 80% of that
 *              baseline's 99% goodput (its capacity), the worse of the two (<= 1). The realtime
 *              class's ratio is reported too.
 * cost_ratio = our cost per 1,000 / that baseline's at those two loads, where both meet the 99%
 *              target (equal attainment), the worse of the two (< 1). Cost is the busy time of
 *              the batches at their replica's price (src/sim/simulator.ts): where requests ran.
 * The last stdout line is one JSON object (see bench/README.md).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { goodputOverSeeds, runWindow, spread, type SeededGoodput, type Spread } from '../src/sim/goodput.js';
import { BASELINES, POLICY_NAMES, type PolicyName } from '../src/sim/policies.js';
import { formatTable, money } from '../src/sim/report.js';
import type { SimOptions } from '../src/sim/simulator.js';
import { loadClusterSpec } from '../src/sim/spec.js';
import type { WorkloadSpec } from '../src/sim/workload.js';
import { REPO_ROOT } from './lib/children.js';
import { round } from './lib/stats.js';

const TARGETS = [0.99, 0.995, 0.999];
const START_RATE = 4000;
const LOADS = [0.5, 0.8];

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function show(s: Spread, digits = 0): string {
  return Number.isFinite(s.ci95) ? `${s.mean.toFixed(digits)} ± ${s.ci95.toFixed(digits)}` : s.mean.toFixed(digits);
}

export async function main(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: { quick: { type: 'boolean', default: false }, seeds: { type: 'string' }, window: { type: 'string' }, warmup: { type: 'string' } },
    strict: true,
  });
  const quick = values.quick === true;
  const seedCount = values.seeds === undefined ? (quick ? 2 : 3) : Number(values.seeds);
  const windowS = values.window === undefined ? (quick ? 0.25 : 0.5) : Number(values.window);
  const warmupS = values.warmup === undefined ? 0.25 : Number(values.warmup);
  if (!(Number.isInteger(seedCount) && seedCount >= 1)) throw new Error(`--seeds must be a positive integer, got '${values.seeds}'`);
  if (!(windowS > 0)) throw new Error(`--window must be a positive number of seconds, got '${values.window}'`);
  if (!(warmupS >= 0)) throw new Error(`--warmup must be a number of seconds >= 0, got '${values.warmup}'`);
  const seeds = Array.from({ length: seedCount }, (_, i) => i + 1);
  const minRequests = quick ? 20_000 : 50_000;
  const tolerance = quick ? 0.06 : 0.03;

  const started = performance.now();
  const cluster = loadClusterSpec(join(REPO_ROOT, 'sim/examples/hetero.yaml'));
  const tracePaths = ['azure-llm-2023-code.csv', 'azure-llm-2023-conv.csv'].map((f) => join(REPO_ROOT, 'sim/traces', f));
  const workload: WorkloadSpec = { kind: 'trace', ratePerS: START_RATE, tracePaths };
  const base = (policy: PolicyName, seed = 1): SimOptions => ({ cluster, policy, workload, requests: 1, seed });

  log(`routing: ${cluster.name}, seeds ${seeds.join(',')}, ${warmupS} s warm-up + ${windowS} s measured (at least ${minRequests} requests) per run; targets ${TARGETS.join(', ')}`);
  const goodput = new Map<PolicyName, SeededGoodput>();
  for (const policy of POLICY_NAMES) {
    const g = goodputOverSeeds({ sim: base(policy), seeds, targets: TARGETS, tolerance, windowS, warmupS, minRequests });
    goodput.set(policy, g);
    log(`  ${policy.padEnd(18)} ${TARGETS.map((t) => `${t * 100}%: ${show(g.byTarget.get(t)!)}`).join('   ')} req/s (${g.runs} runs)`);
  }
  const mean = (p: PolicyName, t: number): number => goodput.get(p)!.byTarget.get(t)!.mean;
  // The best baseline: the highest 99% goodput (its capacity); per target, the best at that target.
  const best = [...BASELINES].sort((a, b) => mean(b, TARGETS[0]!) - mean(a, TARGETS[0]!))[0]!;
  const perTarget = TARGETS.map((t) => {
    const bestAt = [...BASELINES].sort((a, b) => mean(b, t) - mean(a, t))[0]!;
    const ours = goodput.get('ours')!.byTarget.get(t)!;
    const theirs = goodput.get(bestAt)!.byTarget.get(t)!;
    // Conservative: the low end of our interval over the high end of theirs.
    const low = Number.isFinite(ours.ci95) ? (ours.mean - ours.ci95) / (theirs.mean + theirs.ci95) : Number.NaN;
    return { target: t, best: bestAt, ratio: theirs.mean > 0 ? ours.mean / theirs.mean : Number.POSITIVE_INFINITY, ratioLow: low };
  });
  const ratio = Math.min(...perTarget.map((r) => r.ratio));

  // Latency and cost at equal load: 50% and 80% of the best baseline's capacity, every seed.
  const capacity = mean(best, TARGETS[0]!);
  const atLoads = LOADS.map((share) => {
    const rate = Math.round(share * capacity);
    const runs = (policy: PolicyName) => seeds.map((seed) => runWindow(base(policy, seed), rate, windowS, warmupS, minRequests));
    const ours = runs('ours');
    const theirs = runs(best);
    const s = (list: typeof ours, pick: (r: (typeof ours)[number]) => number): Spread => spread(list.map(pick));
    return {
      share,
      rate,
      ours: { p99: s(ours, (r) => r.latencyMs.p99), p99Realtime: s(ours, (r) => r.latencyByClassMs.realtime.p99), cost: s(ours, (r) => r.costPer1k), attainment: s(ours, (r) => r.attainment), gpuRows: s(ours, (r) => gpuShare(r)) },
      best: { p99: s(theirs, (r) => r.latencyMs.p99), p99Realtime: s(theirs, (r) => r.latencyByClassMs.realtime.p99), cost: s(theirs, (r) => r.costPer1k), attainment: s(theirs, (r) => r.attainment), gpuRows: s(theirs, (r) => gpuShare(r)) },
    };
  });
  const p99Ratio = Math.max(...atLoads.map((l) => l.ours.p99.mean / l.best.p99.mean));
  const p99RealtimeRatio = Math.max(...atLoads.map((l) => l.ours.p99Realtime.mean / l.best.p99Realtime.mean));
  const costRatio = Math.max(...atLoads.map((l) => l.ours.cost.mean / l.best.cost.mean));
  const equalAttainment = atLoads.every((l) => l.ours.attainment.mean >= TARGETS[0]! && l.best.attainment.mean >= TARGETS[0]!);

  const rows: string[][] = [['policy', ...TARGETS.map((t) => `goodput @${t * 100}% req/s`), 'x ours @99%']];
  for (const policy of POLICY_NAMES) {
    rows.push([policy, ...TARGETS.map((t) => show(goodput.get(policy)!.byTarget.get(t)!)), policy === 'ours' ? '' : `${(mean('ours', 0.99) / mean(policy, 0.99)).toFixed(1)}`]);
  }
  const loadRows: string[][] = [['load', 'policy', 'attained', 'p99 ms', 'realtime p99 ms', 'cost/1k USD', 'rows on gpu-h200']];
  for (const l of atLoads) {
    for (const [name, x] of [['ours', l.ours], [best, l.best]] as const) {
      loadRows.push([`${l.share * 100}% = ${l.rate} req/s`, name, `${(x.attainment.mean * 100).toFixed(3)}%`, show(x.p99, 2), show(x.p99Realtime, 2), money(x.cost.mean), `${(x.gpuRows.mean * 100).toFixed(0)}%`]);
    }
  }
  const out = [
    '',
    `Routing on ${cluster.name} (${cluster.nodes.map((n) => `${n.count} ${n.name}`).join(' + ')} nodes, ${cluster.profile.model}), Azure LLM traces code+conv (sim/traces) from a seeded start, scaled in rate`,
    `seeds ${seeds.join(', ')}; per run ${warmupS} s warm-up + ${windowS} s measured (at least ${minRequests} requests); mean ± 95% interval over seeds`,
    '',
    formatTable(rows),
    '',
    `At equal load, ${LOADS.map((s) => `${s * 100}%`).join(' and ')} of ${best}'s 99% goodput (${capacity.toFixed(0)} req/s):`,
    formatTable(loadRows, (c) => c > 1),
    '',
    ...perTarget.map((r) => `target ${r.target * 100}%: ours / ${r.best} = ${r.ratio.toFixed(2)} (low end of ours / high end of theirs: ${Number.isFinite(r.ratioLow) ? r.ratioLow.toFixed(2) : 'n/a'})`),
    `ratio (min over targets): ${ratio.toFixed(3)}   target >= 1.5: ${ratio >= 1.5 ? 'met' : 'NOT met'}`,
    `p99_ratio (all served, worse of the two loads): ${p99Ratio.toFixed(3)}   target <= 1: ${p99Ratio <= 1 ? 'met' : 'NOT met'}   (realtime class: ${p99RealtimeRatio.toFixed(3)})`,
    `cost_ratio (busy-time cost per 1,000, worse of the two loads${equalAttainment ? ', both >= 99%' : ', NOT at equal attainment'}): ${costRatio.toFixed(3)}   target < 1: ${costRatio < 1 ? 'met' : 'NOT met'}`,
    `(${((performance.now() - started) / 1000).toFixed(1)} s wall; gpu-h200 and edge-arm service times are simulated, see sim/profiles/${cluster.profile.model}.yaml)`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  const figure = (s: Spread, digits: number): { mean: number; ci95: number | null } => ({ mean: round(s.mean, digits), ci95: Number.isFinite(s.ci95) ? round(s.ci95, digits) : null });
  const summary = {
    bench: 'routing',
    ratio: round(ratio, 3),
    p99_ratio: round(p99Ratio, 3),
    cost_ratio: round(costRatio, 3),
    p99_realtime_ratio: round(p99RealtimeRatio, 3),
    best_baseline: best,
    ratio_by_target: Object.fromEntries(perTarget.map((r) => [String(r.target), { best: r.best, ratio: round(r.ratio, 3), ratio_low: Number.isFinite(r.ratioLow) ? round(r.ratioLow, 3) : null }])),
    goodput_per_s: Object.fromEntries(POLICY_NAMES.map((p) => [p, Object.fromEntries(TARGETS.map((t) => [String(t), figure(goodput.get(p)!.byTarget.get(t)!, 0)]))])),
    at_load: atLoads.map((l) => ({ share: l.share, rate_per_s: l.rate, ours: { p99_ms: figure(l.ours.p99, 3), realtime_p99_ms: figure(l.ours.p99Realtime, 3), cost_per_1k_usd: l.ours.cost.mean, attainment: round(l.ours.attainment.mean, 5) }, [best]: { p99_ms: figure(l.best.p99, 3), realtime_p99_ms: figure(l.best.p99Realtime, 3), cost_per_1k_usd: l.best.cost.mean, attainment: round(l.best.attainment.mean, 5) } })),
    seeds: seeds.length,
    window_s: windowS,
    warmup_s: warmupS,
    min_requests: minRequests,
    cluster: cluster.name,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  return 0;
}

/** Share of the served rows that ran on the GPU class. */
function gpuShare(r: { hardware: readonly { hardwareClass: string; rows: number }[] }): number {
  const all = r.hardware.reduce((n, h) => n + h.rows, 0);
  return all > 0 ? (r.hardware.find((h) => h.hardwareClass === 'gpu-h200')?.rows ?? 0) / all : 0;
}

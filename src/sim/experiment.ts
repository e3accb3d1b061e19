/**
 * One comparison of policies on one cluster and workload: a run per policy at the given rate,
 * optionally a goodput search per policy and a sweep of attainment over rate multiples (for
 * the chart). Shared by `switchyard sim` and the routing benchmark.
 */
import { goodputOverSeeds, runWindow, spread, type SeededGoodput } from './goodput.js';
import type { PolicyName } from './policies.js';
import type { PolicyReport } from './report.js';
import { simulate, type SimOptions, type SimResult } from './simulator.js';
import type { ClusterSpec } from './spec.js';
import type { WorkloadSpec } from './workload.js';

export interface ExperimentOptions {
  readonly cluster: ClusterSpec;
  readonly workload: WorkloadSpec;
  readonly requests: number;
  readonly seed: number;
  readonly jitter?: number;
  readonly policies: readonly PolicyName[];
  /** Search each policy's goodput at these attainment targets, per seed, over a fixed window. */
  readonly goodput?: { readonly targets: readonly number[]; readonly seeds: readonly number[]; readonly windowS: number; readonly warmupS: number; readonly minRequests: number };
  /** Rate multiples for the attainment-vs-load sweep, each run over these seeds and window. */
  readonly sweep?: { readonly multiples: readonly number[]; readonly seeds: readonly number[]; readonly windowS: number; readonly warmupS: number; readonly minRequests: number };
  readonly keepLatencies?: boolean;
  /** Progress of the whole experiment, 0..1, with what is running. */
  readonly onProgress?: (fraction: number, label: string) => void;
}

export interface SweepPoint {
  readonly ratePerS: number;
  /** Mean over the seeds, with the half-width of its 95% interval. */
  readonly attainment: number;
  readonly attainmentCi95: number;
  readonly costPer1k: number;
}

export interface ExperimentResult {
  readonly reports: readonly PolicyReport[];
  readonly sweep: ReadonlyMap<PolicyName, readonly SweepPoint[]>;
}

export function runExperiment(options: ExperimentOptions): ExperimentResult {
  const { cluster, workload, requests, seed, policies } = options;
  const sweep = options.sweep;
  // Work units: the main run, ~12 goodput runs per seed, the sweep runs (scaled by their size).
  const goodputUnits = options.goodput ? 12 * options.goodput.seeds.length : 0;
  const sweepRuns = sweep ? sweep.multiples.length * sweep.seeds.length : 0;
  const perPolicy = 1 + goodputUnits + sweepRuns;
  const totalUnits = perPolicy * policies.length;
  let doneUnits = 0;
  const progress = (label: string, within: number): void => options.onProgress?.(Math.min(1, (doneUnits + within) / totalUnits), label);

  const reports: PolicyReport[] = [];
  const sweeps = new Map<PolicyName, SweepPoint[]>();
  for (const policy of policies) {
    const base: SimOptions = { cluster, policy, workload, requests, seed, ...(options.jitter === undefined ? {} : { jitter: options.jitter }) };
    const result: SimResult = simulate({ ...base, keepLatencies: options.keepLatencies ?? false, onProgress: (n, total) => progress(`${policy} at ${workload.ratePerS} req/s`, n / total) });
    doneUnits += 1;
    let goodput: SeededGoodput | undefined;
    if (options.goodput) {
      let steps = 0;
      goodput = goodputOverSeeds({
        sim: base,
        ...options.goodput,
        onStep: (step) => progress(`${policy} goodput search: ${step.ratePerS.toFixed(0)} req/s -> ${(step.attainment * 100).toFixed(2)}%`, Math.min(goodputUnits, ++steps)),
      });
      doneUnits += goodputUnits;
    }
    if (sweep) {
      const points: SweepPoint[] = [];
      for (const [i, m] of sweep.multiples.entries()) {
        const rate = workload.ratePerS * m;
        const runs = sweep.seeds.map((s, j) => {
          progress(`${policy} sweep ${i + 1}/${sweep.multiples.length}, seed ${s}`, i * sweep.seeds.length + j);
          return runWindow({ ...base, seed: s }, rate, sweep.windowS, sweep.warmupS, sweep.minRequests);
        });
        const attainment = spread(runs.map((r) => r.attainment));
        points.push({ ratePerS: rate, attainment: attainment.mean, attainmentCi95: Number.isFinite(attainment.ci95) ? attainment.ci95 : 0, costPer1k: spread(runs.map((r) => r.costPer1k)).mean });
      }
      sweeps.set(policy, points);
      doneUnits += sweepRuns;
    }
    reports.push(goodput ? { result, goodput } : { result });
  }
  return { reports, sweep: sweeps };
}

/**
 * One comparison of policies on one cluster and workload: a run per policy at the given rate,
 * optionally a goodput search per policy and a sweep of attainment over rate multiples (for
 * the chart). Shared by `switchyard sim` and the routing benchmark.
 */
import { findGoodput, type GoodputResult } from './goodput.js';
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
  /** Search each policy's goodput at this attainment target (0.99). */
  readonly goodputTarget?: number;
  /** Rate multiples for the attainment-vs-load sweep, with the requests per sweep run. */
  readonly sweep?: { readonly multiples: readonly number[]; readonly requests: number };
  readonly keepLatencies?: boolean;
  /** Progress of the whole experiment, 0..1, with what is running. */
  readonly onProgress?: (fraction: number, label: string) => void;
}

export interface SweepPoint {
  readonly ratePerS: number;
  readonly attainment: number;
  readonly costPer1k: number;
}

export interface ExperimentResult {
  readonly reports: readonly PolicyReport[];
  readonly sweep: ReadonlyMap<PolicyName, readonly SweepPoint[]>;
}

export function runExperiment(options: ExperimentOptions): ExperimentResult {
  const { cluster, workload, requests, seed, policies } = options;
  const sweep = options.sweep;
  // Work units: the main run, ~10 goodput steps, the sweep runs (scaled by their size).
  const goodputUnits = options.goodputTarget === undefined ? 0 : 10;
  const sweepUnits = sweep ? (sweep.multiples.length * sweep.requests) / Math.max(1, requests) : 0;
  const perPolicy = 1 + goodputUnits + sweepUnits;
  const totalUnits = perPolicy * policies.length;
  let doneUnits = 0;
  const progress = (label: string, within: number): void => options.onProgress?.(Math.min(1, (doneUnits + within) / totalUnits), label);

  const reports: PolicyReport[] = [];
  const sweeps = new Map<PolicyName, SweepPoint[]>();
  for (const policy of policies) {
    const base: SimOptions = { cluster, policy, workload, requests, seed, ...(options.jitter === undefined ? {} : { jitter: options.jitter }) };
    const result: SimResult = simulate({ ...base, keepLatencies: options.keepLatencies ?? false, onProgress: (n, total) => progress(`${policy} at ${workload.ratePerS} req/s`, n / total) });
    doneUnits += 1;
    let goodput: GoodputResult | undefined;
    if (options.goodputTarget !== undefined) {
      let steps = 0;
      goodput = findGoodput({
        sim: base,
        target: options.goodputTarget,
        onStep: (step) => progress(`${policy} goodput search: ${step.ratePerS.toFixed(0)} req/s -> ${(step.attainment * 100).toFixed(2)}%`, Math.min(goodputUnits, ++steps)),
      });
      doneUnits += goodputUnits;
    }
    if (sweep) {
      const points: SweepPoint[] = [];
      for (const [i, m] of sweep.multiples.entries()) {
        const r = simulate({ ...base, requests: sweep.requests, workload: { ...workload, ratePerS: workload.ratePerS * m } });
        points.push({ ratePerS: r.ratePerS, attainment: r.attainment, costPer1k: r.costPer1k });
        progress(`${policy} sweep ${i + 1}/${sweep.multiples.length}`, ((i + 1) * sweep.requests) / Math.max(1, requests));
      }
      sweeps.set(policy, points);
      doneUnits += sweepUnits;
    }
    reports.push(goodput ? { result, goodput } : { result });
  }
  return { reports, sweep: sweeps };
}

/**
 * Goodput: the highest arrival rate at which at least `target` of requests meet their deadlines.
 *
 * Every rate tried simulates a fixed stretch of traffic, not a number of requests: a warm-up
 * (`warmupS`, not counted) and then a measured window (`windowS`, at least `minRequests`
 * requests). Why: with a request count, a high rate is a short run that ends before queues build
 * and goodput grows with the count asked for (76,608 vs 1,555,517 req/s for the same policy).
 * The search doubles (or halves) from the starting rate until the target is bracketed, then
 * bisects geometrically until the bracket is narrower than `tolerance`. One seed is one trace
 * slice, request mix and jitter; `goodputOverSeeds` repeats the search over seeds for a mean
 * and a 95% confidence interval, for several targets at once (they share the runs).
 */
import { simulate, type SimOptions, type SimResult } from './simulator.js';

export interface GoodputOptions {
  readonly sim: SimOptions;
  /** @default 0.99 */
  readonly target?: number;
  /** Stop when high / low - 1 is below this. @default 0.03 */
  readonly tolerance?: number;
  /** @default 24 */
  readonly maxSteps?: number;
  /** Measured seconds of traffic at each rate. @default 1 */
  readonly windowS?: number;
  /** Seconds of traffic before the window, simulated but not counted. @default 0.5 */
  readonly warmupS?: number;
  /** The window is stretched to hold at least this many requests (a 99.9% target needs many). @default 20000 */
  readonly minRequests?: number;
  /** Runs already made with this seed, by rate: searches for several targets share them. */
  readonly cache?: Map<number, SimResult>;
  readonly onStep?: (step: GoodputStep) => void;
}

export interface GoodputStep {
  readonly ratePerS: number;
  readonly attainment: number;
  readonly passed: boolean;
}

export interface GoodputResult {
  /** Highest rate seen to pass; 0 when none did. */
  readonly goodputPerS: number;
  /** The run at that rate. */
  readonly atGoodput: SimResult | undefined;
  /** Lowest rate seen to fail; Infinity when none did. */
  readonly failsAtPerS: number;
  readonly steps: readonly GoodputStep[];
}

/** The run of `sim` at `ratePerS` over a warm-up and a measured window (see the module comment). */
export function runWindow(sim: SimOptions, ratePerS: number, windowS = 1, warmupS = 0.5, minRequests = 20_000): SimResult {
  const warmup = Math.ceil(ratePerS * warmupS);
  const requests = warmup + Math.max(minRequests, Math.ceil(ratePerS * windowS));
  return simulate({ ...sim, requests, warmupMs: warmupS * 1000, workload: { ...sim.workload, ratePerS } });
}

export function findGoodput(options: GoodputOptions): GoodputResult {
  const target = options.target ?? 0.99;
  const tolerance = options.tolerance ?? 0.03;
  const maxSteps = options.maxSteps ?? 24;
  const cache = options.cache ?? new Map<number, SimResult>();
  const steps: GoodputStep[] = [];
  let low = 0;
  let lowResult: SimResult | undefined;
  let high = Number.POSITIVE_INFINITY;
  const run = (ratePerS: number): boolean => {
    let result = cache.get(ratePerS);
    if (!result) {
      result = runWindow(options.sim, ratePerS, options.windowS, options.warmupS, options.minRequests);
      cache.set(ratePerS, result);
    }
    const passed = result.attainment >= target;
    const step = { ratePerS, attainment: result.attainment, passed };
    steps.push(step);
    options.onStep?.(step);
    if (passed && ratePerS > low) {
      low = ratePerS;
      lowResult = result;
    }
    if (!passed && ratePerS < high) high = ratePerS;
    return passed;
  };

  let rate = options.sim.workload.ratePerS;
  if (run(rate)) {
    while (steps.length < maxSteps && Number.isFinite(rate) && run((rate *= 2)));
  } else {
    while (steps.length < maxSteps && rate > 1e-6 && !run((rate /= 2)));
  }
  while (steps.length < maxSteps && low > 0 && Number.isFinite(high) && high / low - 1 > tolerance) {
    // Rounded to whole requests per second, so searches for other targets can reuse the run.
    run(Math.round(Math.sqrt(low * high)));
  }
  return { goodputPerS: low, atGoodput: lowResult, failsAtPerS: high, steps };
}

/** Two-sided 95% quantiles of Student's t for 1..10 degrees of freedom. */
const T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228];

export interface Spread {
  readonly mean: number;
  /** Half-width of the 95% confidence interval of the mean (t distribution); NaN for one value. */
  readonly ci95: number;
  readonly values: readonly number[];
}

export function spread(values: readonly number[]): Spread {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, ci95: Number.NaN, values };
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
  const t = T95[n - 2] ?? (n <= 21 ? 2.086 : n <= 31 ? 2.042 : 1.96);
  return { mean, ci95: t * Math.sqrt(variance / n), values };
}

export interface SeededGoodput {
  /** By target: the goodput over seeds. */
  readonly byTarget: ReadonlyMap<number, Spread>;
  /** By target, by seed: each search. */
  readonly searches: ReadonlyMap<number, readonly GoodputResult[]>;
  /** Simulation runs made. */
  readonly runs: number;
}

/** `findGoodput` for every seed and target; the targets of one seed share their runs. */
export function goodputOverSeeds(options: Omit<GoodputOptions, 'target' | 'cache'> & { readonly seeds: readonly number[]; readonly targets: readonly number[] }): SeededGoodput {
  const searches = new Map<number, GoodputResult[]>(options.targets.map((t) => [t, []]));
  let runs = 0;
  for (const seed of options.seeds) {
    const cache = new Map<number, SimResult>();
    // The loosest target first: its goodput is where the stricter ones start looking.
    const sorted = [...options.targets].sort((a, b) => a - b);
    for (const target of sorted) {
      const loosest = target === sorted[0] ? undefined : searches.get(sorted[0]!)!.at(-1)?.goodputPerS;
      const from = loosest ? loosest : options.sim.workload.ratePerS;
      searches.get(target)!.push(findGoodput({ ...options, sim: { ...options.sim, seed, workload: { ...options.sim.workload, ratePerS: from } }, target, cache }));
    }
    runs += cache.size;
  }
  const byTarget = new Map([...searches].map(([t, list]) => [t, spread(list.map((g) => g.goodputPerS))]));
  return { byTarget, searches, runs };
}

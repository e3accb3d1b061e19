/**
 * Goodput: the highest arrival rate at which at least `target` (99%) of requests meet their
 * deadlines, found by simulating the same seeded workload at different rate scales: double
 * (or halve) until the target is bracketed, then bisect geometrically until the bracket is
 * narrower than `tolerance`. Attainment is not exactly monotone in the rate (a finite run is
 * noisy), so the answer is one crossing of the target, reported with every step taken.
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
  /**
   * Simulate this many seconds of traffic at each rate (requests = rate x duration, at least
   * 1,000) instead of `sim.requests`: a run must outlast the deadlines many times over, or a
   * high rate only fills queues that drain after the last arrival.
   */
  readonly durationS?: number;
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

export function findGoodput(options: GoodputOptions): GoodputResult {
  const target = options.target ?? 0.99;
  const tolerance = options.tolerance ?? 0.03;
  const maxSteps = options.maxSteps ?? 24;
  const steps: GoodputStep[] = [];
  let low = 0;
  let lowResult: SimResult | undefined;
  let high = Number.POSITIVE_INFINITY;
  const run = (ratePerS: number): boolean => {
    const requests = options.durationS === undefined ? options.sim.requests : Math.max(1000, Math.ceil(ratePerS * options.durationS));
    const result = simulate({ ...options.sim, requests, workload: { ...options.sim.workload, ratePerS } });
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
    run(Math.sqrt(low * high));
  }
  return { goodputPerS: low, atGoodput: lowResult, failsAtPerS: high, steps };
}

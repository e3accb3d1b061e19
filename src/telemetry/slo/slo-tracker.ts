/** One SLO's counts and their evaluation at a given time: budgets, burn rates, firing pairs. */
import { BURN_PAIRS, BURN_WINDOWS, badOf, budgetRemaining, burnRate, SLIS, type BurnPair, type Sli } from './burn-rate.js';
import { MinuteRing } from './minute-ring.js';
import type { SloObjective } from './objective.js';

export interface FiringPair {
  readonly pair: BurnPair;
  readonly sli: Sli;
  readonly longBurn: number;
  readonly shortBurn: number;
}

export interface SloStatus {
  readonly objective: SloObjective;
  readonly totalInWindow: number;
  readonly budgetRemaining: Readonly<Record<Sli, number>>;
  /** Burn rate per SLI and window name (5m, 30m, 1h, 6h, 3d). */
  readonly burnRates: Readonly<Record<Sli, Readonly<Record<string, number>>>>;
  readonly firing: readonly FiringPair[];
}

export class SloTracker {
  private ring: MinuteRing;

  constructor(private current: SloObjective) {
    this.ring = new MinuteRing(current.windowMs);
  }

  get objective(): SloObjective {
    return this.current;
  }

  /** A new objective for the same SLO keeps the counts unless the window changed size. */
  update(objective: SloObjective): void {
    if (objective.windowMs !== this.current.windowMs) this.ring = new MinuteRing(objective.windowMs);
    this.current = objective;
  }

  /** Counts one answered request (client errors are not counted by the caller). */
  record(nowMs: number, seconds: number, serverError: boolean): void {
    this.ring.record(nowMs, seconds > this.current.latencyThresholdSeconds, serverError);
  }

  evaluate(nowMs: number): SloStatus {
    const objective = this.current;
    const target: Record<Sli, number> = { latency: objective.latencyTarget, availability: objective.availabilityTarget };
    const whole = this.ring.sum(nowMs, objective.windowMs);
    const windows = new Map(BURN_WINDOWS.map((w) => [w.ms, this.ring.sum(nowMs, w.ms)]));
    const burnRates = { latency: {}, availability: {} } as Record<Sli, Record<string, number>>;
    const remaining = {} as Record<Sli, number>;
    const firing: FiringPair[] = [];
    for (const sli of SLIS) {
      remaining[sli] = budgetRemaining(badOf(whole, sli), whole.total, target[sli]);
      for (const w of BURN_WINDOWS) {
        const counts = windows.get(w.ms);
        burnRates[sli][w.name] = counts ? burnRate(badOf(counts, sli), counts.total, target[sli]) : 0;
      }
      for (const pair of BURN_PAIRS) {
        const long = windows.get(pair.longMs);
        const short = windows.get(pair.shortMs);
        if (!long || !short) continue;
        const longBurn = burnRate(badOf(long, sli), long.total, target[sli]);
        const shortBurn = burnRate(badOf(short, sli), short.total, target[sli]);
        if (longBurn > pair.factor && shortBurn > pair.factor) firing.push({ pair, sli, longBurn, shortBurn });
      }
    }
    return { objective, totalInWindow: whole.total, budgetRemaining: remaining, burnRates, firing };
  }
}

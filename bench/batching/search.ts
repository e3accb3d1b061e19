/**
 * The highest arrival rate that meets the SLO: step up by a factor until a step fails, step
 * down until one passes (at once below the throughput an overloaded step achieved), then bisect (geometrically) between the highest passing rate and the
 * lowest failing rate above it, until they are within `precision` of each other.
 */
export interface SearchOptions {
  readonly startRate: number;
  /** Multiply (or divide) by this while no failing (or passing) rate is known. */
  readonly factor: number;
  /** Stop once lowest fail / highest pass < 1 + precision. */
  readonly precision: number;
  readonly maxSteps: number;
  /** Below this, give up: nothing passes. */
  readonly minRate: number;
}

export interface Tried<R> {
  readonly rate: number;
  readonly passed: boolean;
  readonly result: R;
}

export interface StepOutcome<R> {
  readonly passed: boolean;
  readonly result: R;
  /** Throughput actually achieved; when a step fails far below its rate, the next try starts under it. */
  readonly achieved?: number;
}

export async function searchRate<R>(options: SearchOptions, run: (rate: number) => Promise<StepOutcome<R>>): Promise<{ tried: Tried<R>[]; best: Tried<R> | undefined }> {
  const tried: Tried<R>[] = [];
  const bestPass = (): Tried<R> | undefined => tried.filter((t) => t.passed).reduce<Tried<R> | undefined>((a, t) => (a === undefined || t.rate > a.rate ? t : a), undefined);
  // Noise can make a rate pass above one that failed: bracket with the lowest failure above the best pass.
  const lowestFailAbove = (rate: number): number | undefined => {
    const fails = tried.filter((t) => !t.passed && t.rate > rate).map((t) => t.rate);
    return fails.length > 0 ? Math.min(...fails) : undefined;
  };
  let rate = options.startRate;
  for (let step = 0; step < options.maxSteps && rate >= options.minRate; step++) {
    const { passed, result, achieved } = await run(rate);
    tried.push({ rate, passed, result });
    const lo = bestPass();
    const hi = lo === undefined ? Math.min(...tried.map((t) => t.rate)) : lowestFailAbove(lo.rate);
    // Overloaded: what it did achieve bounds its capacity, so go below that at once.
    if (lo === undefined) rate = Math.min(hi! / options.factor, !passed && achieved !== undefined && achieved > 0 ? achieved : Number.POSITIVE_INFINITY);
    else if (hi === undefined) rate = lo.rate * options.factor;
    else if (hi / lo.rate < 1 + options.precision) break;
    else rate = Math.sqrt(lo.rate * hi);
  }
  return { tried, best: bestPass() };
}

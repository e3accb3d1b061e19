/**
 * Request counts in fixed time buckets (1 minute by default) held in a ring that covers an
 * SLO's whole window: recording is O(1) with no allocation, and a sum over any trailing span
 * reads only that span's buckets. Each slot remembers which bucket it holds, so a slot left
 * over from a previous lap of the ring counts as empty instead of needing a sweep.
 */
export interface WindowCounts {
  /** Requests that count for the SLO (client errors excluded). */
  readonly total: number;
  /** Of those, answered with a server error (5xx). */
  readonly errors: number;
  /** Of those, slower than the latency threshold or a server error. */
  readonly slowOrErrors: number;
}

export const MINUTE_MS = 60_000;

export class MinuteRing {
  private readonly ids: Float64Array;
  private readonly total: Uint32Array;
  private readonly errors: Uint32Array;
  private readonly slow: Uint32Array;

  constructor(
    windowMs: number,
    readonly bucketMs: number = MINUTE_MS,
  ) {
    const size = Math.max(1, Math.ceil(windowMs / bucketMs));
    this.ids = new Float64Array(size).fill(-1);
    this.total = new Uint32Array(size);
    this.errors = new Uint32Array(size);
    this.slow = new Uint32Array(size);
  }

  get size(): number {
    return this.ids.length;
  }

  /** Counts one request at `nowMs` (wall-clock ms). */
  record(nowMs: number, slow: boolean, error: boolean): void {
    const id = Math.floor(nowMs / this.bucketMs);
    const slot = id % this.ids.length;
    if (this.ids[slot] !== id) {
      this.ids[slot] = id;
      this.total[slot] = 0;
      this.errors[slot] = 0;
      this.slow[slot] = 0;
    }
    this.total[slot] = (this.total[slot] ?? 0) + 1;
    if (error) this.errors[slot] = (this.errors[slot] ?? 0) + 1;
    if (slow || error) this.slow[slot] = (this.slow[slot] ?? 0) + 1;
  }

  /**
   * Sums the buckets of the trailing `spanMs` ending at `nowMs`: the current (partial) bucket
   * and the whole ones before it, `ceil(spanMs / bucketMs)` buckets in all, capped at the ring.
   */
  sum(nowMs: number, spanMs: number): WindowCounts {
    const current = Math.floor(nowMs / this.bucketMs);
    const buckets = Math.min(this.ids.length, Math.max(1, Math.ceil(spanMs / this.bucketMs)));
    let total = 0;
    let errors = 0;
    let slowOrErrors = 0;
    for (let id = current - buckets + 1; id <= current; id++) {
      if (id < 0) continue;
      const slot = id % this.ids.length;
      if (this.ids[slot] !== id) continue;
      total += this.total[slot] ?? 0;
      errors += this.errors[slot] ?? 0;
      slowOrErrors += this.slow[slot] ?? 0;
    }
    return { total, errors, slowOrErrors };
  }
}

/**
 * A retry budget (as in Envoy and Finagle): retries may be at most `ratio` of the requests seen
 * over a sliding window, or `min` retries, whichever is more. Why: when a node dies, retrying
 * its batches saves those requests; when every node is sick, unbounded retries multiply the load
 * that made them sick. Counts are kept in one-tenth-of-a-window buckets over the `now` passed in.
 */
export interface RetryBudgetSettings {
  readonly ratio: number;
  readonly min: number;
  readonly windowMs: number;
}

const BUCKETS = 10;

export class RetryBudget {
  private readonly requests = new Array<number>(BUCKETS).fill(0);
  private readonly retries = new Array<number>(BUCKETS).fill(0);
  private current = 0;
  private currentStartMs: number | undefined;

  constructor(private readonly settings: RetryBudgetSettings) {}

  private roll(nowMs: number): void {
    const width = this.settings.windowMs / BUCKETS;
    if (this.currentStartMs === undefined) {
      this.currentStartMs = nowMs;
      return;
    }
    const steps = Math.floor((nowMs - this.currentStartMs) / width);
    if (steps <= 0) return;
    for (let i = 0; i < Math.min(steps, BUCKETS); i++) {
      this.current = (this.current + 1) % BUCKETS;
      this.requests[this.current] = 0;
      this.retries[this.current] = 0;
    }
    this.currentStartMs += steps * width;
  }

  /** Counts one request admitted. */
  noteRequest(nowMs: number): void {
    this.roll(nowMs);
    this.requests[this.current]!++;
  }

  /** Takes one retry from the budget when there is one left. */
  tryRetry(nowMs: number): boolean {
    this.roll(nowMs);
    const requests = this.requests.reduce((a, b) => a + b, 0);
    const retries = this.retries.reduce((a, b) => a + b, 0);
    if (retries >= Math.max(this.settings.min, this.settings.ratio * requests)) return false;
    this.retries[this.current]!++;
    return true;
  }
}

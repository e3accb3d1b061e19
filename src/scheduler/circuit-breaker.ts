/**
 * A per-deployment circuit breaker: after `failureThreshold` consecutive failures (5xx or
 * timeouts) it opens and callers go straight to the fallback chain; after `openMs` it lets
 * one probe through (half-open): a success closes it, a failure opens it again. Pure: time
 * arrives as `nowMs` from the host's clock.
 */

/** closed: calls flow; open: calls are refused; half_open: one probe is in flight. */
export type CircuitState = 'closed' | 'open' | 'half_open';

export interface CircuitSettings {
  /** @default 5 */
  readonly failureThreshold: number;
  /** @default 10000 */
  readonly openMs: number;
}

export type CircuitDecision = 'call' | 'probe' | 'refuse';

export class CircuitBreaker {
  private state_: CircuitState = 'closed';
  private failures = 0;
  private openedAtMs = 0;

  constructor(private readonly settings: CircuitSettings) {}

  state(): CircuitState {
    return this.state_;
  }

  /** Whether a call may go to the primary now; 'probe' moves the circuit to half-open. */
  decide(nowMs: number): CircuitDecision {
    if (this.state_ === 'closed') return 'call';
    if (this.state_ === 'open' && nowMs - this.openedAtMs >= this.settings.openMs) {
      this.state_ = 'half_open';
      return 'probe';
    }
    return 'refuse';
  }

  /** Seconds until the next probe may go, for Retry-After. */
  retryAfterSeconds(nowMs: number): number {
    return Math.max(1, Math.ceil((this.openedAtMs + this.settings.openMs - nowMs) / 1000));
  }

  success(): void {
    this.state_ = 'closed';
    this.failures = 0;
  }

  failure(nowMs: number): void {
    this.failures += 1;
    if (this.state_ === 'half_open' || this.failures >= this.settings.failureThreshold) {
      this.state_ = 'open';
      this.openedAtMs = nowMs;
    }
  }

  /** A call that ended neither way (refused at admission): a half-open probe gives its turn back. */
  release(): void {
    if (this.state_ === 'half_open') {
      this.state_ = 'open';
    }
  }
}

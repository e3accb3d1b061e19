/**
 * What the scheduler is told about one request, as the gateway read it from the caller's
 * headers and parameters (gateway/oip/scheduling-hints.ts parses them).
 */
import type { LatencyClass } from '../core/contract.js';
import type { Priority, RequestHints, TimeoutAction } from '../scheduler/types.js';

export interface SchedulingHints {
  readonly latencyClass: LatencyClass;
  readonly priority: Priority;
  /** Milliseconds from arrival; Infinity for none. */
  readonly deadlineMs: number;
  readonly timeoutAction: TimeoutAction;
  readonly tenant: string | undefined;
  readonly hints: RequestHints;
  /**
   * Whether a fallback chain may answer in place of the model (docs/fallbacks.md). Undefined is
   * no: a plain OIP client cannot tell a fallback's answer from the model's.
   */
  readonly allowFallback?: boolean;
}

/**
 * What the SLO control loop tells the serving path, and nothing more: per deployment
 * (`model:version`, as core/deployment-name.ts names it), whether a burning error budget
 * asks to shed sheddable traffic, to route to the fallback chain, or to freeze rollouts.
 * Readers (admission, the fallback chain, rollout logic) depend on this interface only.
 */
import type { LatencyClass } from '../../core/contract.js';

export interface SloState {
  /** Refuse `sheddable` requests with 503 + Retry-After (code SLO_SHEDDING). */
  readonly shed: boolean;
  /** Answer from the deployment's fallback chain instead of the primary. */
  readonly fallback: boolean;
  /** Rollouts of this deployment must not proceed. */
  readonly freeze: boolean;
  /** Why, when any flag is set: the SLO and the burn-rate pair that fired; undefined otherwise. */
  readonly reason: string | undefined;
  /** Seconds a refused caller should wait before retrying (for Retry-After). */
  readonly retryAfterSeconds: number;
}

export interface SloSignals {
  /**
   * The current state for a deployment. With a latency class, only that class's SLO counts;
   * without, any of the deployment's SLOs that fired. Cheap: a map lookup, safe per request.
   */
  sloState(deployment: string, latencyClass?: LatencyClass): SloState;
}

/** The state of a deployment with no SLO, or whose budgets are not burning. */
export const SLO_CALM: SloState = Object.freeze({ shed: false, fallback: false, freeze: false, reason: undefined, retryAfterSeconds: 0 });

/** Signals that never ask for anything: the default where no SLO is configured. */
export const NO_SLO_SIGNALS: SloSignals = Object.freeze({ sloState: () => SLO_CALM });

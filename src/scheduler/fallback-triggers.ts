/**
 * When a request goes to its deployment's fallback chain, and the reason the answer reports.
 * Only failures of the serving side trigger it: a 4xx for bad input never does.
 */
import type { ErrorCode } from '../core/errors.js';

export type FallbackReason =
  | 'slo_burn'
  | 'circuit_open'
  | 'deadline_infeasible'
  | 'no_healthy_replica'
  | 'overloaded'
  | 'inference_failed'
  | 'deadline_exceeded';

export const FALLBACK_REASONS: readonly FallbackReason[] = ['slo_burn', 'circuit_open', 'deadline_infeasible', 'no_healthy_replica', 'overloaded', 'inference_failed', 'deadline_exceeded'];

const BY_CODE: Partial<Record<ErrorCode, FallbackReason>> = {
  DEADLINE_INFEASIBLE: 'deadline_infeasible',
  NO_HEALTHY_REPLICA: 'no_healthy_replica',
  OVERLOADED: 'overloaded',
  INFERENCE_FAILED: 'inference_failed',
  DEADLINE_EXCEEDED: 'deadline_exceeded',
};

/** The reason a refusal of the primary sends the request down the chain, or undefined when it must not. */
export function fallbackReasonFor(code: ErrorCode): FallbackReason | undefined {
  return BY_CODE[code];
}

/** Failures that count against the circuit: the primary ran and broke, or timed out. */
export function countsAsCircuitFailure(code: ErrorCode): boolean {
  return code === 'INFERENCE_FAILED' || code === 'DEADLINE_EXCEEDED';
}

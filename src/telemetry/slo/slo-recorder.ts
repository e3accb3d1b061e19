/** The request path's one call into the SLOs: count an answer for its deployment and class. */
import type { LatencyClass } from '../../core/contract.js';

export interface SloRecorder {
  record(deployment: string, latencyClass: LatencyClass, seconds: number, serverError: boolean): void;
}

export const NO_SLO_RECORDER: SloRecorder = Object.freeze({ record: () => undefined });

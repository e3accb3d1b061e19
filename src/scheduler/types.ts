/**
 * The scheduler's vocabulary. The scheduler is pure: it sees time only through `now` values
 * its host passes in, and does work only by handing batches to its Runtime. The live server
 * and the simulator are two hosts of the same code.
 */
import type { LatencyClass } from '../core/contract.js';
import type { ErrorCode } from '../core/errors.js';
import type { Tier } from '../core/tiers.js';

export type { LatencyClass };

/** Lower number = more important. Sheddable is refused first under load, then standard. */
export type Priority = 'critical' | 'standard' | 'sheddable';
export const PRIORITIES: readonly Priority[] = ['critical', 'standard', 'sheddable'];
export const PRIORITY_RANK: Readonly<Record<Priority, number>> = { critical: 0, standard: 1, sheddable: 2 };

export type { Tier } from '../core/tiers.js';
export { TIERS } from '../core/tiers.js';

/** What Triton calls the timeout action: refuse a request whose deadline passed in the queue, or demote it. */
export type TimeoutAction = 'reject' | 'delay';

export interface RequestHints {
  /** Device memory the request needs, in bytes. */
  readonly memoryBytes?: number;
  /** Hardware classes the request may run on (all when absent). */
  readonly hardwareClasses?: readonly string[];
  /** The most the caller will pay per 1,000 inferences, in the cost unit of the catalog (USD). */
  readonly maxCostPer1k?: number;
  /** Tiers the request's data may go to (residency); all when absent. */
  readonly tiers?: readonly Tier[];
}

export interface SchedulerRequest<P = unknown> {
  readonly id: number;
  /** The deployment (model version) it targets. */
  readonly deployment: string;
  /** When the request arrived, ms on the host clock. */
  readonly arrivalMs: number;
  readonly priority: Priority;
  readonly latencyClass: LatencyClass;
  /** Absolute time by which the answer must be out, ms on the host clock; Infinity for none. */
  readonly deadlineMs: number;
  readonly timeoutAction: TimeoutAction;
  /** Rows the request contributes to a batch. */
  readonly rows: number;
  /**
   * Requests batch together only when their keys are equal (same non-batched inputs and shapes);
   * undefined: the request runs alone (its backend does not merge batches), so it never waits
   * for a batch to fill.
   */
  readonly batchKey: string | undefined;
  readonly hints: RequestHints;
  /** The host's data for the request (decoded tensors live, nothing in the simulator). */
  readonly payload: P;
}

export type { ReplicaState } from '../core/replica-states.js';

export interface ReplicaSpec {
  readonly id: string;
  readonly deployment: string;
  readonly node: string;
  readonly hardwareClass: string;
  readonly device: string;
  readonly tier: Tier;
  readonly costPerHour: number;
  readonly memoryBytes: number;
  readonly simulated: boolean;
  /** Largest batch in rows. */
  readonly maxBatchSize: number;
  /** Service time at batch size 1 and per extra row, ms: the prior before any batch has run. */
  readonly serviceTimePrior: { readonly baseMs: number; readonly perRowMs: number };
  /**
   * Batches that may be in flight at once (default 1). A worker thread behind a busy event loop
   * idles between batches for the round trip; a second batch staged in its inbox keeps it busy.
   */
  readonly pipelineDepth?: number;
}

/** One batch handed to the runtime: it owns it until it calls `Scheduler.complete` exactly once. */
export interface Batch<P = unknown> {
  readonly id: number;
  readonly replica: ReplicaSpec;
  readonly requests: readonly SchedulerRequest<P>[];
  readonly rows: number;
  readonly dispatchedAtMs: number;
}

export interface Runtime<P = unknown> {
  /** Starts a batch; must not call back into the scheduler synchronously. */
  execute(batch: Batch<P>): void;
}

export interface Served {
  readonly ok: true;
  readonly replica: ReplicaSpec;
  readonly batchSize: number;
  readonly queueMs: number;
  readonly computeMs: number;
}

export interface Refused {
  readonly ok: false;
  readonly code: ErrorCode;
  readonly message: string;
  readonly retryAfterSeconds: number | undefined;
}

export type Outcome = Served | Refused;

/** How a request ends: exactly once, with a response or a refusal. */
export type Settle<P = unknown> = (request: SchedulerRequest<P>, outcome: Outcome) => void;

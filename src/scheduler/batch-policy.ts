/**
 * When an idle replica should start a batch. Two policies share one question — "dispatch now,
 * or wake me at time t?" — so the baseline and ours run in the same scheduler:
 *
 * - `fixed`: Triton's dynamic batcher. Start at a full or preferred batch size, else once the
 *   oldest request has waited the latency class's max queue delay.
 * - `adaptive`: ours. Wait for a fuller batch only while the learned service-time curve says it
 *   is cheaper per row, requests arrive fast enough to fill it within the latency class's max
 *   queue delay (0, the realtime default, never waits), and every member's deadline still holds
 *   after the wait.
 */
import type { LatencyClass } from './types.js';
import type { ServiceTimeModel } from './service-time.js';

export interface BatchingConfig {
  readonly policy: 'fixed' | 'adaptive';
  /** Sizes Triton prefers to form; empty = only the max batch size. */
  readonly preferredBatchSizes: readonly number[];
  /** Longest a request may wait for a batch to fill, per latency class (ms). */
  readonly maxQueueDelayMs: Readonly<Record<LatencyClass, number>>;
}

export interface BatchCandidate {
  readonly nowMs: number;
  /** Rows that could go in the next batch. */
  readonly rows: number;
  readonly maxBatchSize: number;
  readonly oldestEnqueuedAtMs: number;
  readonly hasRealtime: boolean;
  /** The tightest deadline among the candidate rows (absolute ms). */
  readonly earliestDeadlineMs: number;
  /** The most demanding latency class among them (realtime wins). */
  readonly latencyClass: LatencyClass;
  /** Recent arrival rate at this replica, rows per ms. */
  readonly arrivalRowsPerMs: number;
  readonly service: ServiceTimeModel;
}

/** `now` = dispatch; a number = wake up then and ask again. */
export type BatchDecision = 'now' | number;

// Why: a fuller batch must save at least 10% per row to be worth holding requests back for.
const MIN_GAIN = 0.9;

function fixed(config: BatchingConfig, c: BatchCandidate): BatchDecision {
  if (c.rows >= c.maxBatchSize || config.preferredBatchSizes.includes(c.rows)) return 'now';
  const due = c.oldestEnqueuedAtMs + config.maxQueueDelayMs[c.latencyClass];
  return c.nowMs >= due ? 'now' : due;
}

function adaptive(config: BatchingConfig, c: BatchCandidate): BatchDecision {
  const delay = config.maxQueueDelayMs[c.latencyClass];
  // A class with no queue delay (realtime, by default) never waits.
  if (c.rows >= c.maxBatchSize || c.arrivalRowsPerMs <= 0 || !(delay > 0)) return 'now';
  // Why: past half the window, at most as many rows again can join, and the members have waited.
  const left = c.oldestEnqueuedAtMs + delay - c.nowMs;
  if (left < delay / 2) return 'now';
  const serviceNow = c.service.predict(c.rows);
  // The batch that would form over the rest of the class's queue delay (or one batch's run, if
  // longer): on fast hardware that is many batches' worth, and a fuller batch costs less per row.
  const target = Math.min(c.maxBatchSize, c.rows + Math.floor(c.arrivalRowsPerMs * Math.max(serviceNow, left)));
  if (target <= c.rows) return 'now';
  const perRowNow = serviceNow / c.rows;
  const perRowTarget = c.service.predict(target) / target;
  if (perRowTarget > perRowNow * MIN_GAIN) return 'now';
  const wait = (target - c.rows) / c.arrivalRowsPerMs;
  const latest = Math.min(c.oldestEnqueuedAtMs + delay, c.earliestDeadlineMs - c.service.predict(target));
  const wakeAt = c.nowMs + wait;
  // A wake-up that is not in the future would spin; one past the bound means the rows did not
  // come as fast as expected: go now instead.
  return wakeAt > c.nowMs && wakeAt <= latest ? wakeAt : 'now';
}

export function decideBatch(config: BatchingConfig, candidate: BatchCandidate): BatchDecision {
  return config.policy === 'fixed' ? fixed(config, candidate) : adaptive(config, candidate);
}

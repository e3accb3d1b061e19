/** A replica as the scheduler tracks it: its spec, state, queue, learned speed and load. */
import { RequestQueue } from './request-queue.js';
import { ServiceTimeModel } from './service-time.js';
import { PRIORITY_RANK, type Batch, type Priority, type ReplicaSpec, type ReplicaState } from './types.js';

// Why: arrival rates follow load changes within about ten arrivals.
const ARRIVAL_DECAY = 0.9;

// Why: past this, higher-priority work alone saturates the replica; lower work is refused anyway.
const MAX_LOAD_ABOVE = 0.95;

/** An exponentially weighted arrival rate, in rows per ms. */
class ArrivalRate {
  private lastMs = Number.NaN;
  private meanGapMs = Number.POSITIVE_INFINITY;

  note(rows: number, nowMs: number): void {
    if (!Number.isNaN(this.lastMs)) {
      const gap = Math.max(0, nowMs - this.lastMs) / rows;
      this.meanGapMs = Number.isFinite(this.meanGapMs) ? ARRIVAL_DECAY * this.meanGapMs + (1 - ARRIVAL_DECAY) * gap : gap;
    }
    this.lastMs = nowMs;
  }

  /** 0 when unknown or idle for long. */
  rowsPerMs(nowMs: number): number {
    if (!Number.isFinite(this.meanGapMs)) return 0;
    // A long silence since the last arrival means the rate is at most one over that silence.
    const gap = Math.max(this.meanGapMs, nowMs - this.lastMs);
    return gap > 0 ? 1 / gap : Number.POSITIVE_INFINITY;
  }
}

export class ReplicaRuntime<P> {
  state: ReplicaState;
  readonly queue = new RequestQueue<P>();
  readonly service: ServiceTimeModel;
  /** Batches dispatched and not yet complete, oldest first (at most `depth`). */
  readonly inFlight: Batch<P>[] = [];
  /** Requests in those batches. */
  inFlightRequests = 0;
  /** Predicted end of the last batch in flight. */
  busyUntilMs = 0;
  /** When the last batch completed, as the host saw it: the start of the next one's occupancy. */
  lastCompletedMs = Number.NEGATIVE_INFINITY;
  readonly depth: number;
  /** Last time the replica's node reported load; stale reports make it look saturated. */
  lastReportMs: number;
  /** Pending wake-up time and its version, for the scheduler's wake-up heap. */
  wakeAtMs = Number.POSITIVE_INFINITY;
  wakeVersion = 0;
  private readonly all = new ArrivalRate();
  private readonly byPriority = [new ArrivalRate(), new ArrivalRate(), new ArrivalRate()];
  completedBatches = 0;
  completedRows = 0;
  busyMs = 0;

  constructor(
    readonly spec: ReplicaSpec,
    readonly index: number,
    state: ReplicaState,
    nowMs: number,
  ) {
    this.state = state;
    this.lastReportMs = nowMs;
    this.service = new ServiceTimeModel(spec.maxBatchSize, spec.serviceTimePrior);
    this.depth = Math.max(1, Math.floor(spec.pipelineDepth ?? 1));
  }

  /** Requests waiting or running here. */
  get outstanding(): number {
    return this.queue.size + this.inFlightRequests;
  }

  noteArrival(rows: number, nowMs: number, priority?: Priority): void {
    this.all.note(rows, nowMs);
    if (priority !== undefined) this.byPriority[PRIORITY_RANK[priority]]!.note(rows, nowMs);
  }

  /** Rows per ms arriving lately; 0 when unknown or idle for long. */
  arrivalRowsPerMs(nowMs: number): number {
    return this.all.rowsPerMs(nowMs);
  }

  /** Rows per ms of higher priority than `priority` arriving here lately. */
  private rateAbove(priority: Priority, nowMs: number): number {
    const rank = PRIORITY_RANK[priority];
    if (rank === 0) return 0;
    let rate = this.byPriority[0]!.rowsPerMs(nowMs);
    if (rank === 2) rate += this.byPriority[1]!.rowsPerMs(nowMs);
    return rate;
  }

  /** When this replica would finish `rows` more rows queued behind everything it has now. */
  predictCompletion(rows: number, nowMs: number): number {
    const start = this.inFlight.length > 0 ? Math.max(nowMs, this.busyUntilMs) : nowMs;
    return start + this.service.drain(this.queue.rows + rows);
  }

  /**
   * When this replica would finish `rows` more rows of this priority: after what is in flight and
   * what waits at its level and above (lower levels wait behind it), while higher-priority work
   * that keeps arriving goes ahead of it and leaves it only the rest of the replica's time (what
   * keeps admitted requests from expiring queued). Admission's question, asked once per request.
   */
  predictCompletionAt(priority: Priority, rows: number, nowMs: number): number {
    const start = this.inFlight.length > 0 ? Math.max(nowMs, this.busyUntilMs) : nowMs;
    const work = this.queue.rowsAhead(priority) + rows;
    const drain = this.service.drain(work);
    const rateAbove = this.rateAbove(priority, nowMs);
    if (rateAbove === 0) return start + drain;
    const batch = work < this.spec.maxBatchSize ? work : this.spec.maxBatchSize;
    const busyAbove = Math.min(MAX_LOAD_ABOVE, (rateAbove * this.service.predict(batch)) / batch);
    return start + drain / (1 - busyAbove);
  }

  /**
   * What `rows` more rows add to this replica's bill, per row: the time they add to the batch
   * they would join, at the replica's price. The batch holds what waits here already, or what
   * arrives within `windowMs` (the batching window) if more: a fast replica that batches adds a
   * row for a fraction of what one row alone costs, which the average over its batch hides.
   */
  marginalCostPerRow(rows: number, nowMs: number, windowMs: number): number {
    const max = this.spec.maxBatchSize;
    const room = Math.max(0, max - rows);
    const expected = windowMs > 0 ? Math.floor(this.arrivalRowsPerMs(nowMs) * windowMs) : 0;
    const formed = Math.min(room, Math.max(this.queue.rows % max, expected));
    const added = this.service.predict(Math.min(max, formed + rows)) - (formed > 0 ? this.service.predict(formed) : 0);
    return ((this.spec.costPerHour / 3_600_000) * Math.max(0, added)) / rows;
  }

  /** Cost of one row at the batch size this replica would likely run, in cost units. */
  costPerRow(rows: number): number {
    const batch = Math.max(1, Math.min(this.spec.maxBatchSize, this.queue.rows + rows));
    return ((this.spec.costPerHour / 3_600_000) * this.service.predict(batch)) / batch;
  }
}

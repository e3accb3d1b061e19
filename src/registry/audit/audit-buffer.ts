/**
 * Inference summaries go to the audit log off the request path: buffered, then appended in one
 * transaction every `flushIntervalMs` or as soon as `flushMaxRows` wait. A failed flush keeps
 * its rows for the next one (up to `maxBuffered` summaries, then the oldest rows are dropped and
 * their summaries counted).
 */
import type { AuditEntryInput } from '../storage/rows.js';

/** Where flushed entries go: the storage itself, or an appender thread with its own connection. */
export interface AuditSink {
  appendAudit(entries: readonly AuditEntryInput[]): Promise<unknown>;
}

/** A row a source hands over, with how many summaries it holds (what `maxBuffered` counts). */
export interface WeightedEntry {
  readonly entry: AuditEntryInput;
  readonly weight: number;
}

export interface AuditBufferOptions {
  readonly flushIntervalMs: number;
  readonly flushMaxRows: number;
  /** Bound on memory while the database is unreachable, in summaries. @default 100000 */
  readonly maxBuffered?: number;
  readonly onError: (error: unknown, pending: number) => void;
}

export class AuditBuffer {
  private pending: AuditEntryInput[] = [];
  /** Summaries in each pending row, in step with `pending`. */
  private weights: number[] = [];
  private pendingWeight = 0;
  /** Drained into each flush: entries kept in a summarised form until then (see addSource). */
  private readonly sources: (() => readonly WeightedEntry[])[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;
  /** Summaries dropped because the buffer was full; reported in the log. */
  dropped = 0;

  constructor(
    private readonly storage: AuditSink,
    private readonly options: AuditBufferOptions,
  ) {}

  /** Queues one entry; its `at` should be set by the caller (the time of the event, not the flush). */
  add(entry: AuditEntryInput): void {
    if (this.closed) return;
    this.queue(entry, 1);
    this.bound();
    if (this.pending.length >= this.options.flushMaxRows) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.options.flushIntervalMs).unref();
  }

  /**
   * A producer that keeps its own summary (counts, or many inferences in one row) and hands it
   * over as rows at every flush; it calls `wake` when it has something, so a flush follows
   * within the interval.
   */
  addSource(drain: () => readonly WeightedEntry[]): void {
    this.sources.push(drain);
  }

  private queue(entry: AuditEntryInput, weight: number): void {
    this.pending.push(entry);
    this.weights.push(weight);
    this.pendingWeight += weight;
  }

  /** Drops the oldest rows while more than `maxBuffered` summaries wait (the database is unreachable). */
  private bound(): void {
    const max = this.options.maxBuffered ?? 100_000;
    if (this.pendingWeight <= max) return;
    let drop = 0;
    while (drop < this.pending.length - 1 && this.pendingWeight > max) {
      this.pendingWeight -= this.weights[drop]!;
      this.dropped += this.weights[drop]!;
      drop++;
    }
    this.pending.splice(0, drop);
    this.weights.splice(0, drop);
  }

  /** Summaries that start a flush at once: a source holding this many calls `flush`. */
  get flushMaxRows(): number {
    return this.options.flushMaxRows;
  }

  /** Arms the interval's flush (a source has something to hand over). */
  wake(): void {
    if (!this.closed) this.timer ??= setTimeout(() => void this.flush(), this.options.flushIntervalMs).unref();
  }

  /** Writes everything queued so far; resolves when it is committed (or has failed and been re-queued). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.flushing = this.flushing.then(async () => {
      for (const drain of this.sources) for (const { entry, weight } of drain()) this.queue(entry, weight);
      this.bound();
      if (this.pending.length === 0) return;
      const batch = this.pending;
      const weights = this.weights;
      const weight = this.pendingWeight;
      this.pending = [];
      this.weights = [];
      this.pendingWeight = 0;
      try {
        await this.storage.appendAudit(batch);
      } catch (error) {
        this.pending = [...batch, ...this.pending];
        this.weights = [...weights, ...this.weights];
        this.pendingWeight += weight;
        this.bound();
        this.options.onError(error, this.pendingWeight);
        if (!this.closed) this.timer ??= setTimeout(() => void this.flush(), this.options.flushIntervalMs).unref();
      }
    });
    return this.flushing;
  }

  /** Flushes what is queued and accepts nothing more. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

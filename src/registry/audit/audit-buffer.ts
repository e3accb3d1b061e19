/**
 * Inference summaries go to the audit log off the request path: buffered, then appended in one
 * transaction every `flushIntervalMs` or as soon as `flushMaxRows` wait. A failed flush keeps
 * its rows for the next one (up to `maxBuffered`, then the oldest are dropped and counted).
 */
import type { AuditEntryInput } from '../storage/rows.js';

/** Where flushed entries go: the storage itself, or an appender thread with its own connection. */
export interface AuditSink {
  appendAudit(entries: readonly AuditEntryInput[]): Promise<unknown>;
}

export interface AuditBufferOptions {
  readonly flushIntervalMs: number;
  readonly flushMaxRows: number;
  /** Bound on memory while the database is unreachable. @default 100000 */
  readonly maxBuffered?: number;
  readonly onError: (error: unknown, pending: number) => void;
}

export class AuditBuffer {
  private pending: AuditEntryInput[] = [];
  /** Drained into each flush: entries kept in a summarised form until then (see addSource). */
  private readonly sources: (() => AuditEntryInput[])[] = [];
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
    this.pending.push(entry);
    const max = this.options.maxBuffered ?? 100_000;
    if (this.pending.length > max) {
      this.dropped += this.pending.length - max;
      this.pending.splice(0, this.pending.length - max);
    }
    if (this.pending.length >= this.options.flushMaxRows) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.options.flushIntervalMs).unref();
  }

  /**
   * A producer that keeps its own summary (counts, say) and hands it over as entries at every
   * flush; it calls `wake` when it has something, so a flush follows within the interval.
   */
  addSource(drain: () => AuditEntryInput[]): void {
    this.sources.push(drain);
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
      for (const drain of this.sources) for (const entry of drain()) this.pending.push(entry);
      if (this.pending.length === 0) return;
      const batch = this.pending;
      this.pending = [];
      try {
        await this.storage.appendAudit(batch);
      } catch (error) {
        this.pending = [...batch, ...this.pending];
        this.options.onError(error, this.pending.length);
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

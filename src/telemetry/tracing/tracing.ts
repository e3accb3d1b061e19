/**
 * Spans of one request's path (admission, queueing, compute) and of the batch it ran in, as
 * the serving code sees them. The default, NO_TRACING, hands out no span at all, so when
 * tracing is off the request path checks one `undefined` and creates no OpenTelemetry object;
 * main/ loads the OpenTelemetry implementation (otel-tracing.ts) only when configured.
 * Times are milliseconds on the injected clock (performance.now() in the live server).
 */
import type { TraceContext } from '../../core/trace-context.js';

export interface RequestAttributes {
  readonly model: string;
  readonly version: string;
  readonly latencyClass: string;
  readonly priority: string;
}

export interface RequestEnd {
  readonly outcome: string;
  readonly status: number;
  readonly hardwareClass?: string;
  readonly batchSize?: number;
}

export interface BatchAttributes {
  readonly replica: string;
  readonly hardwareClass: string;
  readonly node: string;
  readonly rows: number;
  readonly simulated: boolean;
}

export interface BatchSpan {
  end(endMs: number, ok: boolean): void;
}

export interface RequestSpan {
  /** The request's own context: its ids go back in `traceparent`. */
  readonly context: TraceContext;
  admission(startMs: number, endMs: number, refusedCode: string | undefined): void;
  queued(startMs: number, endMs: number): void;
  /** The request's share of a batch run: a child of the request, linked to the batch span. */
  computed(startMs: number, endMs: number, batch: BatchSpan | undefined, ok: boolean): void;
  end(result: RequestEnd): void;
}

export interface Tracing {
  /**
   * A span for one request, a child of the caller's context when there is one, with the ids
   * of `own` (from core/trace-context) so the traceparent answered names this very span.
   */
  startRequest(parent: TraceContext | undefined, own: TraceContext, attributes: RequestAttributes): RequestSpan | undefined;
  /** A span for one batch run, linked to every request span in it. */
  startBatch(members: readonly RequestSpan[], attributes: BatchAttributes, startMs: number): BatchSpan | undefined;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

export const NO_TRACING: Tracing = Object.freeze({
  startRequest: () => undefined,
  startBatch: () => undefined,
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
});

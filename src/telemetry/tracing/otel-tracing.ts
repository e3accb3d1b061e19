/**
 * Tracing with the OpenTelemetry SDK, exported over OTLP/HTTP (JSON). Sampling is parent
 * based: a caller's sampled flag is followed, new traces are sampled at `samplingRatio`.
 * Our trace-context ids become the SDK's span ids through a one-shot id generator, so the
 * `traceparent` a caller gets back names the server span that was exported.
 */
import { context, trace, SpanKind, SpanStatusCode, TraceFlags, ROOT_CONTEXT, type Link, type Span, type Tracer } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, RandomIdGenerator, TraceIdRatioBasedSampler, type IdGenerator, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { TraceContext } from '../../core/trace-context.js';
import type { BatchAttributes, BatchSpan, RequestAttributes, RequestEnd, RequestSpan, Tracing } from './tracing.js';

export interface OtelTracingOptions {
  readonly endpoint: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly samplingRatio: number;
  readonly serviceName: string;
  readonly serviceVersion: string;
  /** For tests: export elsewhere than OTLP. */
  readonly exporter?: SpanExporter;
  /** Batch export delay. @default 1000 */
  readonly exportDelayMs?: number;
}

/** Hands out the next ids it was given, once; random ones otherwise. */
class PresetIdGenerator implements IdGenerator {
  private readonly random = new RandomIdGenerator();
  traceId: string | undefined;
  spanId: string | undefined;

  generateTraceId(): string {
    const id = this.traceId ?? this.random.generateTraceId();
    this.traceId = undefined;
    return id;
  }

  generateSpanId(): string {
    const id = this.spanId ?? this.random.generateSpanId();
    this.spanId = undefined;
    return id;
  }
}

class OtelBatchSpan implements BatchSpan {
  constructor(readonly span: Span) {}

  end(endMs: number, ok: boolean): void {
    if (!ok) this.span.setStatus({ code: SpanStatusCode.ERROR, message: 'the backend failed on this batch' });
    this.span.end(endMs);
  }
}

class OtelRequestSpan implements RequestSpan {
  private readonly parent: ReturnType<typeof trace.setSpan>;

  constructor(
    private readonly tracer: Tracer,
    readonly span: Span,
    readonly context: TraceContext,
  ) {
    this.parent = trace.setSpan(ROOT_CONTEXT, span);
  }

  admission(startMs: number, endMs: number, refusedCode: string | undefined): void {
    const child = this.tracer.startSpan('switchyard.admission', { startTime: startMs, attributes: { 'switchyard.admitted': refusedCode === undefined } }, this.parent);
    if (refusedCode !== undefined) child.setStatus({ code: SpanStatusCode.ERROR, message: refusedCode }).setAttribute('switchyard.refusal', refusedCode);
    child.end(endMs);
  }

  queued(startMs: number, endMs: number): void {
    this.tracer.startSpan('switchyard.queue', { startTime: startMs }, this.parent).end(endMs);
  }

  computed(startMs: number, endMs: number, batch: BatchSpan | undefined, ok: boolean): void {
    const links: Link[] = batch instanceof OtelBatchSpan ? [{ context: batch.span.spanContext(), attributes: { 'switchyard.link': 'batch' } }] : [];
    const child = this.tracer.startSpan('switchyard.compute', { startTime: startMs, links }, this.parent);
    if (!ok) child.setStatus({ code: SpanStatusCode.ERROR });
    child.end(endMs);
  }

  end(result: RequestEnd): void {
    this.span.setAttribute('switchyard.outcome', result.outcome);
    this.span.setAttribute('http.response.status_code', result.status);
    if (result.hardwareClass !== undefined) this.span.setAttribute('switchyard.hardware_class', result.hardwareClass);
    if (result.batchSize !== undefined) this.span.setAttribute('switchyard.batch_size', result.batchSize);
    if (result.status >= 500) this.span.setStatus({ code: SpanStatusCode.ERROR, message: result.outcome });
    this.span.end();
  }
}

export class OtelTracing implements Tracing {
  private readonly provider: BasicTracerProvider;
  private readonly tracer: Tracer;
  private readonly ids = new PresetIdGenerator();

  constructor(options: OtelTracingOptions) {
    const exporter = options.exporter ?? new OTLPTraceExporter({ url: options.endpoint, headers: { ...options.headers } });
    this.provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': options.serviceName, 'service.version': options.serviceVersion }),
      sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.samplingRatio) }),
      idGenerator: this.ids,
      spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: options.exportDelayMs ?? 1000 })],
    });
    this.tracer = this.provider.getTracer('switchyard', options.serviceVersion);
  }

  startRequest(parent: TraceContext | undefined, own: TraceContext, attributes: RequestAttributes): RequestSpan {
    const parentContext = parent
      ? trace.setSpanContext(ROOT_CONTEXT, { traceId: parent.traceId, spanId: parent.spanId, traceFlags: parent.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE, isRemote: true })
      : ROOT_CONTEXT;
    // Synchronous: nothing else can take these ids between here and startSpan.
    this.ids.traceId = own.traceId;
    this.ids.spanId = own.spanId;
    const span = this.tracer.startSpan(
      'switchyard.request',
      {
        kind: SpanKind.SERVER,
        attributes: {
          'switchyard.model': attributes.model,
          'switchyard.version': attributes.version,
          'switchyard.latency_class': attributes.latencyClass,
          'switchyard.priority': attributes.priority,
        },
      },
      parentContext,
    );
    this.ids.traceId = undefined;
    this.ids.spanId = undefined;
    const ctx = span.spanContext();
    return new OtelRequestSpan(this.tracer, span, { traceId: ctx.traceId, spanId: ctx.spanId, sampled: (ctx.traceFlags & 1) === 1 });
  }

  startBatch(members: readonly RequestSpan[], attributes: BatchAttributes, startMs: number): BatchSpan | undefined {
    const spans = members.filter((m): m is OtelRequestSpan => m instanceof OtelRequestSpan);
    const first = spans[0];
    if (!first) return undefined;
    const span = this.tracer.startSpan(
      'switchyard.batch',
      {
        startTime: startMs,
        links: spans.map((m) => ({ context: m.span.spanContext(), attributes: { 'switchyard.link': 'request' } })),
        attributes: {
          'switchyard.replica': attributes.replica,
          'switchyard.hardware_class': attributes.hardwareClass,
          'switchyard.node': attributes.node,
          'switchyard.batch_size': attributes.rows,
          'switchyard.requests': spans.length,
          'switchyard.simulated': attributes.simulated,
        },
      },
      // The batch lives in the first member's trace; the links tie it to every member.
      trace.setSpan(context.active(), first.span),
    );
    return new OtelBatchSpan(span);
  }

  forceFlush(): Promise<void> {
    return this.provider.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }
}

/**
 * The first Prometheus metrics: inference requests and their latency by model, version and
 * outcome. Each server owns its registry, so tests and several servers in one process never
 * share counters. Labels are bounded: unknown model names are counted under `_unknown`, and
 * outcomes are `ok` or a catalogue code.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

type Label = 'model' | 'version' | 'outcome';

export const UNKNOWN_MODEL_LABEL = '_unknown';

/** Why: seconds from 100 µs (identity on CPU) to 10 s (a large batch on a slow device). */
const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface RequestObservation {
  readonly model: string;
  readonly version: string;
  readonly outcome: string;
  readonly seconds: number;
}

export class ServingMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'model' | 'version' | 'outcome'>;
  private readonly duration: Histogram<'model' | 'version' | 'outcome'>;
  // Child lookups by a joined key are much cheaper than prom-client hashing a label object per call.
  private readonly children = new Map<string, { count: Counter.Internal; time: Histogram.Internal<Label> }>();

  constructor(options: { processMetrics: boolean } = { processMetrics: true }) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'switchyard_' });
    this.requests = new Counter({
      name: 'switchyard_inference_requests_total',
      help: 'Inference requests answered, by model, version and outcome (ok or an error code).',
      labelNames: ['model', 'version', 'outcome'],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'switchyard_inference_request_duration_seconds',
      help: 'Time from receiving an inference request to sending its response.',
      labelNames: ['model', 'version', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers: [this.registry],
    });
  }

  observe({ model, version, outcome, seconds }: RequestObservation): void {
    const key = `${model}\u0000${version}\u0000${outcome}`;
    let child = this.children.get(key);
    if (!child) {
      const labels = { model, version, outcome };
      child = { count: this.requests.labels(labels), time: this.duration.labels(labels) };
      this.children.set(key, child);
    }
    child.count.inc();
    child.time.observe(seconds);
  }

  contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}

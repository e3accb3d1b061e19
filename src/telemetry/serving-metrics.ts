/**
 * Inference requests as Prometheus metrics: answers by outcome, their duration (the histogram
 * SLOs are computed from), admission refusals by reason and inferences served, by model,
 * version, hardware class and latency class. Each server owns its registry, so tests and
 * several servers in one process never share counters. Labels are bounded: unknown model
 * names are counted under `_unknown`, outcomes are `ok` or a catalogue code, and a request
 * refused before it reached a replica has hardware class `none`.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';
import { BoundCounter, BoundHistogram, type CounterChild, type HistogramChild } from './bound-metrics.js';
import { LATENCY_BUCKETS } from './buckets.js';
import { FallbackMetrics } from './fallback-metrics.js';
import { LabelCache } from './label-cache.js';

export const UNKNOWN_MODEL_LABEL = '_unknown';
export const NO_HARDWARE_LABEL = 'none';

/**
 * `ok`, or who was at fault: the SLO counts server errors against the service, never client
 * errors, nor `shed` (sheddable traffic refused on purpose while a budget burns: counting it
 * would keep the budget burning because it is being protected).
 */
export type OutcomeClass = 'ok' | 'client_error' | 'server_error' | 'shed';

export const SHED_OUTCOME = 'SLO_SHEDDING';

export function outcomeClassOf(status: number, outcome: string): OutcomeClass {
  if (status < 400) return 'ok';
  if (outcome === SHED_OUTCOME) return 'shed';
  return status >= 500 ? 'server_error' : 'client_error';
}

export interface RequestObservation {
  readonly model: string;
  readonly version: string;
  readonly hardwareClass: string;
  readonly latencyClass: string;
  /** `ok` or the catalogue code. */
  readonly outcome: string;
  /** The HTTP status answered. */
  readonly status: number;
  readonly seconds: number;
}

interface RequestChildren {
  readonly count: CounterChild;
  /** Bound only for `ok`: error outcomes share one series per outcome class. */
  readonly time: HistogramChild | undefined;
}

export class ServingMetrics {
  readonly registry = new Registry();
  /** Fallback answers, by kind and reason: the fallback chain increments it. */
  readonly fallbacks: FallbackMetrics;
  private readonly requests: BoundCounter;
  private readonly duration: BoundHistogram;
  private readonly rejections: BoundCounter;
  private readonly inferences: BoundCounter;
  private readonly requestChildren: LabelCache<RequestChildren>;
  private readonly rejectionChildren: LabelCache<CounterChild>;
  private readonly inferenceChildren: LabelCache<CounterChild>;

  constructor(options: { processMetrics: boolean } = { processMetrics: true }) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'switchyard_' });
    const registers = [this.registry];
    this.requests = new BoundCounter({
      name: 'switchyard_inference_requests_total',
      help: 'Inference requests answered, by model, version, latency class and outcome (ok or an error code).',
      labelNames: ['model', 'version', 'latency_class', 'outcome'],
      registers,
    });
    this.duration = new BoundHistogram({
      name: 'switchyard_inference_request_duration_seconds',
      help: 'Time from receiving an inference request to sending its response, by outcome class (ok, client_error, server_error).',
      labelNames: ['model', 'version', 'hardware_class', 'latency_class', 'outcome_class'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.rejections = new BoundCounter({
      name: 'switchyard_inference_rejections_total',
      help: 'Requests refused by admission or the scheduler (overload, deadline, SLO shedding), by reason (the error code).',
      labelNames: ['model', 'version', 'latency_class', 'reason'],
      registers,
    });
    this.inferences = new BoundCounter({
      name: 'switchyard_inferences_total',
      help: 'Inferences served (batch rows of successful requests).',
      labelNames: ['model', 'version', 'hardware_class', 'latency_class'],
      registers,
    });
    this.fallbacks = new FallbackMetrics(this.registry);
    this.requestChildren = new LabelCache((model, version, hardwareClass, latencyClass, outcome) => ({
      count: this.requests.labels(model, version, latencyClass, outcome),
      time: outcome === 'ok' ? this.duration.labels(model, version, hardwareClass, latencyClass, 'ok') : undefined,
    }));
    this.rejectionChildren = new LabelCache((model, version, latencyClass, reason) => this.rejections.labels(model, version, latencyClass, reason));
    this.inferenceChildren = new LabelCache((model, version, hardwareClass, latencyClass) => this.inferences.labels(model, version, hardwareClass, latencyClass));
  }

  observe({ model, version, hardwareClass, latencyClass, outcome, status, seconds }: RequestObservation): void {
    const children = this.requestChildren.get(model, version, hardwareClass, latencyClass, outcome);
    children.count.inc();
    if (children.time) children.time.observe(seconds);
    else this.durationOf(model, version, hardwareClass, latencyClass, outcomeClassOf(status, outcome)).observe(seconds);
  }

  reject(model: string, version: string, latencyClass: string, reason: string): void {
    this.rejectionChildren.get(model, version, latencyClass, reason).inc();
  }

  inferred(model: string, version: string, hardwareClass: string, latencyClass: string, rows: number): void {
    this.inferenceChildren.get(model, version, hardwareClass, latencyClass).inc(rows);
  }

  private readonly errorDurations = new LabelCache((model, version, hardwareClass, latencyClass, outcomeClass) => this.duration.labels(model, version, hardwareClass, latencyClass, outcomeClass));

  private durationOf(model: string, version: string, hardwareClass: string, latencyClass: string, outcomeClass: OutcomeClass): HistogramChild {
    return this.errorDurations.get(model, version, hardwareClass, latencyClass, outcomeClass);
  }

  contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}

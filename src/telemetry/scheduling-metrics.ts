/**
 * What the scheduler does, as Prometheus metrics: time waiting for a batch and time computing,
 * per request and per batch, batch sizes, queue depth and requests in flight, by model,
 * version, hardware class and latency class (all bounded label sets: the catalogue's names
 * and two latency classes).
 */
import { Gauge, type Registry } from 'prom-client';
import { BoundHistogram, type HistogramChild } from './bound-metrics.js';
import { BATCH_BUCKETS, WAIT_BUCKETS } from './buckets.js';
import { LabelCache } from './label-cache.js';

export interface BatchObservation {
  readonly model: string;
  readonly version: string;
  readonly hardwareClass: string;
  readonly rows: number;
  readonly computeSeconds: number;
}

/** Per deployment: requests admitted and waiting, and requests admitted and not yet answered. */
export interface DeploymentLoad {
  readonly model: string;
  readonly version: string;
  readonly depth: number;
  readonly inFlight: number;
}

export class SchedulingMetrics {
  private readonly queue: BoundHistogram;
  private readonly compute: BoundHistogram;
  private readonly requestCompute: BoundHistogram;
  private readonly batchSize: BoundHistogram;
  private readonly requestChildren: LabelCache<{ queue: HistogramChild; compute: HistogramChild }>;
  private readonly batchChildren: LabelCache<{ compute: HistogramChild; size: HistogramChild }>;

  constructor(registry: Registry, load: () => Iterable<DeploymentLoad>) {
    const registers = [registry];
    this.queue = new BoundHistogram({
      name: 'switchyard_inference_queue_seconds',
      help: 'Time a served request waited from admission until its batch started.',
      labelNames: ['model', 'version', 'hardware_class', 'latency_class'],
      buckets: WAIT_BUCKETS,
      registers,
    });
    this.requestCompute = new BoundHistogram({
      name: 'switchyard_inference_compute_seconds',
      help: 'Compute time of the batch a served request ran in, counted once per request.',
      labelNames: ['model', 'version', 'hardware_class', 'latency_class'],
      buckets: WAIT_BUCKETS,
      registers,
    });
    this.compute = new BoundHistogram({
      name: 'switchyard_batch_compute_seconds',
      help: 'Time the backend spent computing one batch.',
      labelNames: ['model', 'version', 'hardware_class'],
      buckets: WAIT_BUCKETS,
      registers,
    });
    this.batchSize = new BoundHistogram({
      name: 'switchyard_batch_size',
      help: 'Rows in each batch run.',
      labelNames: ['model', 'version', 'hardware_class'],
      buckets: BATCH_BUCKETS,
      registers,
    });
    // Both gauges read the scheduler at scrape time: nothing is kept up to date per request.
    new Gauge({
      name: 'switchyard_queue_depth',
      help: 'Requests waiting (admitted, not yet running) per model version.',
      labelNames: ['model', 'version'],
      registers,
      collect() {
        this.reset();
        for (const { model, version, depth } of load()) this.set({ model, version }, depth);
      },
    });
    new Gauge({
      name: 'switchyard_inference_in_flight',
      help: 'Requests admitted and not yet answered (waiting or running) per model version.',
      labelNames: ['model', 'version'],
      registers,
      collect() {
        this.reset();
        for (const { model, version, inFlight } of load()) this.set({ model, version }, inFlight);
      },
    });
    this.requestChildren = new LabelCache((model, version, hardwareClass, latencyClass) => ({
      queue: this.queue.labels(model, version, hardwareClass, latencyClass),
      compute: this.requestCompute.labels(model, version, hardwareClass, latencyClass),
    }));
    this.batchChildren = new LabelCache((model, version, hardwareClass) => ({ compute: this.compute.labels(model, version, hardwareClass), size: this.batchSize.labels(model, version, hardwareClass) }));
  }

  /** One served request: how long it queued and how long its batch computed. */
  observeRequest(model: string, version: string, hardwareClass: string, latencyClass: string, queueSeconds: number, computeSeconds: number): void {
    const child = this.requestChildren.get(model, version, hardwareClass, latencyClass);
    child.queue.observe(queueSeconds);
    child.compute.observe(computeSeconds);
  }

  observeBatch({ model, version, hardwareClass, rows, computeSeconds }: BatchObservation): void {
    const child = this.batchChildren.get(model, version, hardwareClass);
    child.compute.observe(computeSeconds);
    child.size.observe(rows);
  }
}

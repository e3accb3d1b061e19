/**
 * What the scheduler does, as Prometheus metrics: time waiting for a batch, time computing it,
 * batch sizes, and queue depth, by model, version, hardware class and latency class (all
 * bounded label sets: the catalogue's names and two latency classes).
 */
import { Gauge, Histogram, type Registry } from 'prom-client';

/** Why: from 50 µs (a request that never waits) to 10 s (a deadline-bound throughput wait). */
const WAIT_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Why: powers of two up to the largest max_batch_size a model typically declares. */
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

type QueueLabel = 'model' | 'version' | 'hardware_class' | 'latency_class';
type BatchLabel = 'model' | 'version' | 'hardware_class';

export interface BatchObservation {
  readonly model: string;
  readonly version: string;
  readonly hardwareClass: string;
  readonly rows: number;
  readonly computeSeconds: number;
}

export class SchedulingMetrics {
  private readonly queue: Histogram<QueueLabel>;
  private readonly compute: Histogram<BatchLabel>;
  private readonly batchSize: Histogram<BatchLabel>;
  private readonly queueChildren = new Map<string, Histogram.Internal<QueueLabel>>();
  private readonly batchChildren = new Map<string, { compute: Histogram.Internal<BatchLabel>; size: Histogram.Internal<BatchLabel> }>();

  constructor(registry: Registry, queueDepth: () => Iterable<{ model: string; version: string; depth: number }>) {
    this.queue = new Histogram({
      name: 'switchyard_inference_queue_seconds',
      help: 'Time a served request waited from admission until its batch started.',
      labelNames: ['model', 'version', 'hardware_class', 'latency_class'],
      buckets: WAIT_BUCKETS,
      registers: [registry],
    });
    this.compute = new Histogram({
      name: 'switchyard_batch_compute_seconds',
      help: 'Time the backend spent computing one batch.',
      labelNames: ['model', 'version', 'hardware_class'],
      buckets: WAIT_BUCKETS,
      registers: [registry],
    });
    this.batchSize = new Histogram({
      name: 'switchyard_batch_size',
      help: 'Rows in each batch run.',
      labelNames: ['model', 'version', 'hardware_class'],
      buckets: BATCH_BUCKETS,
      registers: [registry],
    });
    new Gauge({
      name: 'switchyard_queue_depth',
      help: 'Requests waiting (admitted, not yet running) per model version.',
      labelNames: ['model', 'version'],
      registers: [registry],
      collect() {
        this.reset();
        for (const { model, version, depth } of queueDepth()) this.set({ model, version }, depth);
      },
    });
  }

  observeQueue(model: string, version: string, hardwareClass: string, latencyClass: string, seconds: number): void {
    const key = `${model}\u0000${version}\u0000${hardwareClass}\u0000${latencyClass}`;
    let child = this.queueChildren.get(key);
    if (!child) {
      child = this.queue.labels({ model, version, hardware_class: hardwareClass, latency_class: latencyClass });
      this.queueChildren.set(key, child);
    }
    child.observe(seconds);
  }

  observeBatch({ model, version, hardwareClass, rows, computeSeconds }: BatchObservation): void {
    const key = `${model}\u0000${version}\u0000${hardwareClass}`;
    let child = this.batchChildren.get(key);
    if (!child) {
      const labels = { model, version, hardware_class: hardwareClass };
      child = { compute: this.compute.labels(labels), size: this.batchSize.labels(labels) };
      this.batchChildren.set(key, child);
    }
    child.compute.observe(computeSeconds);
    child.size.observe(rows);
  }
}

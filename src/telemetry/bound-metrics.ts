/**
 * Histograms and counters for the request path, registered in a prom-client Registry like any
 * of its own metrics. Why not prom-client's: its children hash their label object on every
 * observation (several µs a request across seven series). Here a child is bound once per label
 * set, an observation is an array increment, and the text is built at scrape time.
 */
import type { Registry } from 'prom-client';

interface Sample {
  readonly metricName: string;
  readonly labels: Record<string, string | number>;
  readonly value: number;
}

interface MetricSnapshot {
  readonly name: string;
  readonly help: string;
  readonly type: 'histogram' | 'counter';
  readonly aggregator: 'sum';
  readonly values: Sample[];
}

function labelObject(names: readonly string[], values: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  names.forEach((name, i) => (labels[name] = values[i] ?? ''));
  return labels;
}

/** Children by their label values; binding is the rare path, so a joined key is fine there. */
abstract class BoundMetric<Child> {
  private readonly children = new Map<string, { readonly values: readonly string[]; readonly child: Child }>();

  constructor(
    readonly name: string,
    readonly help: string,
    protected readonly labelNames: readonly string[],
    registers: readonly Registry[],
  ) {
    for (const registry of registers) registry.registerMetric(this as never);
  }

  /** The child for these label values (in `labelNames` order), bound on first use. Callers cache it. */
  labels(...values: string[]): Child {
    if (values.length !== this.labelNames.length) throw new Error(`${this.name}: ${this.labelNames.length} label values expected, got ${values.length}`);
    const key = values.join('\u0000');
    let entry = this.children.get(key);
    if (!entry) {
      entry = { values, child: this.create() };
      this.children.set(key, entry);
    }
    return entry.child;
  }

  protected abstract create(): Child;

  protected each(): Iterable<{ readonly values: readonly string[]; readonly child: Child }> {
    return this.children.values();
  }
}

export class HistogramChild {
  /** Per bucket (not cumulative); the last slot counts values above every bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const { bounds } = this;
    let i = 0;
    // Prometheus buckets are `le`: a value equal to a bound counts in that bound's bucket.
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]! += 1;
    this.sum += value;
    this.count += 1;
  }
}

export class BoundHistogram extends BoundMetric<HistogramChild> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';

  constructor(options: { name: string; help: string; labelNames: readonly string[]; buckets: readonly number[]; registers: readonly Registry[] }) {
    super(options.name, options.help, options.labelNames, options.registers);
    this.buckets = [...options.buckets].sort((a, b) => a - b);
  }

  private readonly buckets: readonly number[];

  protected create(): HistogramChild {
    return new HistogramChild(this.buckets);
  }

  /** prom-client's metric shape and order: cumulative `_bucket` series (`le` first), then `_sum` and `_count`. */
  get(): MetricSnapshot {
    const values: Sample[] = [];
    for (const { values: labelValues, child } of this.each()) {
      const labels = labelObject(this.labelNames, labelValues);
      let cumulative = 0;
      this.buckets.forEach((bound, i) => {
        cumulative += child.counts[i]!;
        values.push({ metricName: `${this.name}_bucket`, labels: { le: bound, ...labels }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf', ...labels }, value: child.count });
      values.push({ metricName: `${this.name}_sum`, labels, value: child.sum });
      values.push({ metricName: `${this.name}_count`, labels, value: child.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

export class CounterChild {
  value = 0;

  inc(by = 1): void {
    this.value += by;
  }
}

export class BoundCounter extends BoundMetric<CounterChild> {
  readonly type = 'counter';
  readonly aggregator = 'sum';

  constructor(options: { name: string; help: string; labelNames: readonly string[]; registers: readonly Registry[] }) {
    super(options.name, options.help, options.labelNames, options.registers);
  }

  protected create(): CounterChild {
    return new CounterChild();
  }

  get(): MetricSnapshot {
    const values: Sample[] = [];
    for (const { values: labelValues, child } of this.each()) values.push({ metricName: this.name, labels: labelObject(this.labelNames, labelValues), value: child.value });
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

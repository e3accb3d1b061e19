/**
 * Answers given by a fallback instead of the primary deployment, by kind (deployment, rules,
 * cache, static) and reason (slo, circuit_open, no_replica, error...). The fallback chain owns
 * the calls; telemetry owns the series so /metrics and docs/metrics.md list it in one place.
 */
import { Counter, type Registry } from 'prom-client';
import { LabelCache } from './label-cache.js';

export class FallbackMetrics {
  private readonly counter: Counter<string>;
  private readonly children: LabelCache<Counter.Internal>;

  constructor(registry: Registry) {
    this.counter = new Counter({
      name: 'switchyard_fallbacks_total',
      help: 'Requests answered by a fallback, by the primary model and version, the fallback kind and the reason it was used.',
      labelNames: ['model', 'version', 'kind', 'reason'],
      registers: [registry],
    });
    this.children = new LabelCache((model, version, kind, reason) => this.counter.labels({ model, version, kind, reason }));
  }

  /** Counts one fallback answer. Keep `kind` and `reason` to small fixed sets: they are labels. */
  record(model: string, version: string, kind: string, reason: string): void {
    this.children.get(model, version, kind, reason).inc();
  }
}

/**
 * Fallback chain answers, exhausted chains and circuit states as Prometheus metrics. Labels stay bounded: model and
 * version from the catalogue, kind and reason from fixed lists.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { FallbackMetrics } from './fallback-metrics.js';

export interface FallbackAnswer {
  readonly model: string;
  readonly version: string;
  readonly kind: string;
  readonly reason: string;
}

/** 0 closed, 1 open, 0.5 half-open. */
const CIRCUIT_VALUE = { closed: 0, open: 1, half_open: 0.5 } as const;

export class FallbackChainMetrics {
  private readonly unanswered: Counter<'model' | 'version' | 'reason'>;

  /** Answers are counted in switchyard_fallbacks_total (ServingMetrics.fallbacks); chains and circuits here. */
  constructor(registry: Registry, private readonly answers: FallbackMetrics, circuits: () => Iterable<{ model: string; version: string; state: keyof typeof CIRCUIT_VALUE }>) {
    this.unanswered = new Counter({
      name: 'switchyard_fallback_exhausted_total',
      help: 'Requests whose fallback chain had no link that could answer.',
      labelNames: ['model', 'version', 'reason'],
      registers: [registry],
    });
    new Gauge({
      name: 'switchyard_circuit_state',
      help: 'Circuit breaker of each deployment with a fallback chain: 0 closed, 0.5 half-open, 1 open.',
      labelNames: ['model', 'version'],
      registers: [registry],
      collect() {
        this.reset();
        for (const c of circuits()) this.set({ model: c.model, version: c.version }, CIRCUIT_VALUE[c.state]);
      },
    });
  }

  answered(a: FallbackAnswer): void {
    this.answers.record(a.model, a.version, a.kind, a.reason);
  }

  exhausted(model: string, version: string, reason: string): void {
    this.unanswered.inc({ model, version, reason });
  }
}

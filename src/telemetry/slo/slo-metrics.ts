/**
 * The SLOs as Prometheus gauges, read at scrape time from the control loop's last evaluation:
 * objectives, error budget remaining and burn rates per SLI and window, the actions in force,
 * and the alerts sent. Prometheus can compute the same burn rates from the request histogram
 * (deploy/prometheus/switchyard-slo-rules.yml); these say what this process decided.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { SLIS } from './burn-rate.js';
import type { SloState } from './slo-signals.js';
import type { SloStatus } from './slo-tracker.js';

export interface SloEvaluation {
  readonly status: SloStatus;
  readonly state: SloState;
}

export class SloMetrics {
  private readonly alerts: Counter<'slo' | 'outcome'>;

  constructor(registry: Registry, evaluations: () => Iterable<SloEvaluation>) {
    const registers = [registry];
    const labelNames = ['slo', 'model', 'version', 'latency_class', 'sli'] as const;
    new Gauge({
      name: 'switchyard_slo_objective_ratio',
      help: 'The target share of good requests of each SLO and SLI.',
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const { status: { objective: o } } of evaluations()) {
          const base = { slo: o.id, model: o.model, version: o.version, latency_class: o.latencyClass };
          this.set({ ...base, sli: 'latency' }, o.latencyTarget);
          this.set({ ...base, sli: 'availability' }, o.availabilityTarget);
        }
      },
    });
    new Gauge({
      name: 'switchyard_slo_latency_threshold_seconds',
      help: 'The latency under which a request is good, per SLO.',
      labelNames: ['slo', 'model', 'version', 'latency_class'],
      registers,
      collect() {
        this.reset();
        for (const { status: { objective: o } } of evaluations()) this.set({ slo: o.id, model: o.model, version: o.version, latency_class: o.latencyClass }, o.latencyThresholdSeconds);
      },
    });
    new Gauge({
      name: 'switchyard_slo_error_budget_remaining_ratio',
      help: 'Share of the window\'s error budget not yet spent: 1 untouched, 0 spent, negative overspent.',
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const { status } of evaluations()) {
          const o = status.objective;
          for (const sli of SLIS) this.set({ slo: o.id, model: o.model, version: o.version, latency_class: o.latencyClass, sli }, status.budgetRemaining[sli]);
        }
      },
    });
    new Gauge({
      name: 'switchyard_slo_burn_rate',
      help: 'Error budget burn rate over a trailing window (1 = spending exactly the budget over the SLO window).',
      labelNames: [...labelNames, 'window'],
      registers,
      collect() {
        this.reset();
        for (const { status } of evaluations()) {
          const o = status.objective;
          for (const sli of SLIS) {
            for (const [window, rate] of Object.entries(status.burnRates[sli])) this.set({ slo: o.id, model: o.model, version: o.version, latency_class: o.latencyClass, sli, window }, rate);
          }
        }
      },
    });
    new Gauge({
      name: 'switchyard_slo_action_active',
      help: 'Whether an SLO action (shed, fallback, freeze) is in force: 1 or 0.',
      labelNames: ['slo', 'model', 'version', 'latency_class', 'action'],
      registers,
      collect() {
        this.reset();
        for (const { status: { objective: o }, state } of evaluations()) {
          const base = { slo: o.id, model: o.model, version: o.version, latency_class: o.latencyClass };
          this.set({ ...base, action: 'shed' }, state.shed ? 1 : 0);
          this.set({ ...base, action: 'fallback' }, state.fallback ? 1 : 0);
          this.set({ ...base, action: 'freeze' }, state.freeze ? 1 : 0);
        }
      },
    });
    this.alerts = new Counter({
      name: 'switchyard_slo_alerts_total',
      help: 'SLO alert webhooks, by outcome (delivered, failed after every retry).',
      labelNames: ['slo', 'outcome'],
      registers,
    });
  }

  alertSent(slo: string, outcome: 'delivered' | 'failed'): void {
    this.alerts.inc({ slo, outcome });
  }
}

/** Drift statistics as Prometheus gauges, computed when scraped (features are bounded by the contracts). */
import { Gauge, type Registry } from 'prom-client';
import type { FeatureDrift } from './drift-monitor.js';

export interface DriftRow {
  readonly model: string;
  readonly version: string;
  readonly features: readonly FeatureDrift[];
}

export function registerDriftMetrics(registry: Registry, rows: () => Iterable<DriftRow>): void {
  let cached: DriftRow[] = [];
  // One computation per scrape, shared by the gauges (the first collect of a scrape refreshes it).
  const gauge = (name: string, help: string, pick: (f: FeatureDrift) => number | undefined, refresh: boolean): void => {
    new Gauge({
      name,
      help,
      labelNames: ['model', 'version', 'feature', 'kind'],
      registers: [registry],
      collect() {
        if (refresh) cached = [...rows()];
        this.reset();
        for (const row of cached) {
          for (const f of row.features) {
            const value = pick(f);
            if (value !== undefined) this.set({ model: row.model, version: row.version, feature: f.feature, kind: f.kind }, value);
          }
        }
      },
    });
  };
  gauge('switchyard_drift_psi', 'Population stability index of a feature in the rolling window against its reference (0.1 moderate, 0.25 significant).', (f) => f.psi, true);
  gauge('switchyard_drift_ks_statistic', 'Two-sample Kolmogorov–Smirnov statistic of a feature, window against reference.', (f) => f.ks?.statistic, false);
  gauge('switchyard_drift_ks_p_value', 'Asymptotic p-value of the Kolmogorov–Smirnov test of a feature.', (f) => f.ks?.pValue, false);
  gauge('switchyard_drift_js_divergence', 'Jensen–Shannon divergence (base 2) of a feature, window against reference.', (f) => f.jensenShannon, false);
  gauge('switchyard_drift_window_samples', 'Samples of a feature in the rolling drift window.', (f) => f.windowSize, false);
}

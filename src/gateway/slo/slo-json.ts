/** An SLO with its live figures, as /v1/slos answers it (snake_case). */
import type { SloState } from '../../telemetry/slo/slo-signals.js';
import type { SloStatus } from '../../telemetry/slo/slo-tracker.js';
import { rawOfSlo } from '../../telemetry/slo/objective.js';

export function sloJson(status: SloStatus, state: SloState): Record<string, unknown> {
  const o = status.objective;
  return {
    id: o.id,
    model: o.model,
    version: o.version,
    latency_class: o.latencyClass,
    objective: rawOfSlo(o),
    requests_in_window: status.totalInWindow,
    budget_remaining: status.budgetRemaining,
    burn_rates: status.burnRates,
    firing: status.firing.map((f) => ({
      sli: f.sli,
      pair: f.pair.name,
      severity: f.pair.severity,
      factor: f.pair.factor,
      long_burn_rate: f.longBurn,
      short_burn_rate: f.shortBurn,
    })),
    actions_in_force: { shed: state.shed, fallback: state.fallback, freeze: state.freeze },
    reason: state.reason ?? null,
  };
}

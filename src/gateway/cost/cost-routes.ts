/** GET /v1/costs: node cost attributed to models by busy time, cost per 1,000 inferences and idle cost. */
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../core/clock.js';
import type { CostLedger } from '../../telemetry/cost/cost-ledger.js';

export interface CostRouteDeps {
  readonly ledger: CostLedger;
  readonly clock: Clock;
}

export function registerCostRoutes(app: FastifyInstance, deps: CostRouteDeps): void {
  app.get('/v1/costs', { config: { roles: ['admin', 'operator', 'viewer'] } }, async () => {
    const report = deps.ledger.report(deps.clock.now());
    return {
      currency: report.currency,
      total_dollars: report.totalDollars,
      idle_dollars: report.idleDollars,
      nodes: report.nodes.map((n) => ({
        node: n.node,
        hardware_class: n.hardwareClass,
        simulated: n.simulated,
        cost_per_hour: n.costPerHour,
        price_source: n.priceSource,
        up_seconds: n.upSeconds,
        busy_seconds: n.busySeconds,
        utilisation: n.utilisation,
        cost_dollars: n.costDollars,
        attributed_dollars: n.attributedDollars,
        idle_dollars: n.idleDollars,
      })),
      models: report.byModel.map((m) => ({ model: m.model, hardware_class: m.hardwareClass, inferences: m.inferences, cost_dollars: m.costDollars, cost_per_1k_inferences: m.costPer1kInferences ?? null })),
      usage: report.usage.map((u) => ({
        model: u.model,
        version: u.version,
        hardware_class: u.hardwareClass,
        node: u.node,
        inferences: u.inferences,
        batches: u.batches,
        busy_seconds: u.busySeconds,
        cost_dollars: u.costDollars,
        cost_per_1k_inferences: u.costPer1kInferences ?? null,
      })),
    };
  });
}

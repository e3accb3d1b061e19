/**
 * The cost ledger as Prometheus metrics, computed when scraped: cost per 1,000 inferences and
 * attributed dollars per model, version and hardware class; idle dollars per node.
 */
import { Gauge, type Registry } from 'prom-client';
import type { CostReport } from './cost-ledger.js';

export function registerCostMetrics(registry: Registry, report: () => CostReport): void {
  // Why gauges for `_total` figures: they are recomputed from the ledger at each scrape, never incremented.
  new Gauge({
    name: 'switchyard_cost_per_1k_inferences',
    help: 'Attributed node cost (USD) per 1,000 inferences, by model, version and hardware class.',
    labelNames: ['model', 'version', 'hardware_class'],
    registers: [registry],
    collect() {
      this.reset();
      for (const u of report().usage) if (u.costPer1kInferences !== undefined) this.set({ model: u.model, version: u.version, hardware_class: u.hardwareClass }, u.costPer1kInferences);
    },
  });
  new Gauge({
    name: 'switchyard_cost_dollars_total',
    help: 'Node cost (USD) attributed by busy time since start, by model, version and hardware class.',
    labelNames: ['model', 'version', 'hardware_class'],
    registers: [registry],
    collect() {
      this.reset();
      for (const u of report().usage) this.set({ model: u.model, version: u.version, hardware_class: u.hardwareClass }, u.costDollars);
    },
  });
  new Gauge({
    name: 'switchyard_idle_cost_dollars_total',
    help: 'Node cost (USD) since start that no replica used, by node and hardware class.',
    labelNames: ['node', 'hardware_class'],
    registers: [registry],
    collect() {
      this.reset();
      for (const n of report().nodes) this.set({ node: n.node, hardware_class: n.hardwareClass }, n.idleDollars);
    },
  });
  new Gauge({
    name: 'switchyard_node_cost_per_hour_dollars',
    help: 'Price of each node per hour (USD), from the hardware catalog or configuration.',
    labelNames: ['node', 'hardware_class'],
    registers: [registry],
    collect() {
      this.reset();
      for (const n of report().nodes) this.set({ node: n.node, hardware_class: n.hardwareClass }, n.costPerHour);
    },
  });
}

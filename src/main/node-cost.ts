/**
 * The price per hour of the node this process runs on: `cost.node_cost_per_hour` when set,
 * else the hardware catalog's price of the host CPU's class (per socket; override it with what
 * you pay), else 0 with a warning.
 */
import type { ServerConfig } from '../core/config.js';
import { loadCatalog } from '../hardware/catalog.js';
import { describeCpu } from '../hardware/cpu.js';
import type { Logger } from '../telemetry/logger.js';

export interface LocalNodeCost {
  readonly hardwareClass: string;
  readonly costPerHour: number;
  readonly priceSource: string;
  readonly simulated: false;
}

export function localNodeCost(config: ServerConfig, log: Logger): LocalNodeCost {
  const { hardwareClass } = describeCpu();
  if (config.cost.nodeCostPerHour !== undefined) return { hardwareClass, costPerHour: config.cost.nodeCostPerHour, priceSource: 'configuration (cost.node_cost_per_hour)', simulated: false };
  try {
    const price = loadCatalog().byId.get(hardwareClass)?.priceUsdPerHour;
    if (price) return { hardwareClass, costPerHour: price.value, priceSource: `hardware catalog ${hardwareClass} (${price.basis}, ${price.asOf})`, simulated: false };
  } catch (error) {
    log.warn({ reason: (error as Error).message }, 'hardware catalog unreadable; node cost counted as 0');
  }
  return { hardwareClass, costPerHour: 0, priceSource: `no catalog price for ${hardwareClass}`, simulated: false };
}

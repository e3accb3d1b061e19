/**
 * The embedded server: config -> logger, metrics, catalog (ONNX backends) -> gateway. The one
 * place that picks implementations; tests build it in-process the same way.
 */
import { mkdir } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import type { ServerConfig } from '../core/config.js';
import { buildGateway } from '../gateway/app.js';
import { ModelCatalog } from '../gateway/model-catalog.js';
import { LiveScheduler } from '../gateway/live/live-scheduler.js';
import { systemClock, type Clock } from '../core/clock.js';
import { loadOnnxBackend } from '../runtime/onnx/onnx-backend.js';
import type { LoadBackend } from '../runtime/backend.js';
import type { Logger } from '../telemetry/logger.js';
import { ServingMetrics } from '../telemetry/serving-metrics.js';
import { SchedulingMetrics } from '../telemetry/scheduling-metrics.js';
import { SWITCHYARD_VERSION } from './version.js';
import { FallbackRunner } from '../gateway/fallback/fallback-runner.js';
import { DriftTracker } from '../gateway/drift/drift-tracker.js';
import { CostLedger } from '../telemetry/cost/cost-ledger.js';
import { registerCostMetrics } from '../telemetry/cost/cost-metrics.js';
import { registerDriftMetrics } from '../telemetry/drift/drift-metrics.js';
import { FallbackChainMetrics } from '../telemetry/fallback-chain-metrics.js';
import { localNodeCost } from './node-cost.js';
import { LOCAL_NODE } from '../gateway/live/live-scheduler.js';

export interface EmbeddedServer {
  readonly app: FastifyInstance;
  readonly catalog: ModelCatalog;
  readonly config: ServerConfig;
  /** Fallback chains and circuits; `useBurnSignal` wires the SLO signal in. */
  readonly fallbacks: FallbackRunner;
  readonly drift: DriftTracker;
  readonly costs: CostLedger;
  /** Stops listening, lets in-flight requests finish, frees every model. */
  close(): Promise<void>;
}

export interface ServerOptions {
  readonly config: ServerConfig;
  readonly log: Logger;
  readonly loadBackend?: LoadBackend;
  /** Process metrics (CPU, heap) are off in tests, where many servers share a process. */
  readonly processMetrics?: boolean;
  /** @default systemClock */
  readonly clock?: Clock;
}

/** Builds the server and loads the model repository; does not listen. */
export async function createServer(options: ServerOptions): Promise<EmbeddedServer> {
  const { config, log } = options;
  await mkdir(config.dataDir, { recursive: true });
  const catalog = new ModelCatalog(config, options.loadBackend ?? loadOnnxBackend, log);
  let loaded = false;
  const metrics = new ServingMetrics({ processMetrics: options.processMetrics ?? true });
  const scheduler = new LiveScheduler(systemClock, log);
  scheduler.useMetrics(new SchedulingMetrics(metrics.registry, () => scheduler.queueDepths()));
  const clock = options.clock ?? systemClock;
  const costs = new CostLedger();
  const nodeCost = localNodeCost(config, log);
  costs.addNode({ node: LOCAL_NODE, ...nodeCost }, clock.now());
  scheduler.useCostLedger(costs);
  registerCostMetrics(metrics.registry, () => costs.report(clock.now()));
  // The gauge reads the runner's circuits only when scraped, after both exist.
  const fallbackMetrics: FallbackChainMetrics = new FallbackChainMetrics(metrics.registry, () => runner.circuits());
  const runner: FallbackRunner = new FallbackRunner({ catalog, scheduler, clock, log, circuit: config.circuit, metrics: fallbackMetrics });
  const drift = new DriftTracker(config.drift, clock, log);
  registerDriftMetrics(metrics.registry, () => drift.rows());
  const app = buildGateway({ config, catalog, metrics, log, serverVersion: SWITCHYARD_VERSION, isReady: () => loaded, runner, drift, costs, clock });
  await catalog.loadRepository();
  for (const served of catalog.all()) {
    if (served.state !== 'READY') continue;
    scheduler.addVersion(served, config, nodeCost.costPerHour);
    drift.add(served);
  }
  runner.prepare();
  loaded = true;
  await app.ready();
  return {
    app,
    catalog,
    config,
    fallbacks: runner,
    drift,
    costs,
    async close() {
      await app.close();
      scheduler.close();
      await catalog.unloadAll();
    },
  };
}

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
import { systemClock } from '../core/clock.js';
import { loadOnnxBackend } from '../runtime/onnx/onnx-backend.js';
import type { LoadBackend } from '../runtime/backend.js';
import type { Logger } from '../telemetry/logger.js';
import { ServingMetrics } from '../telemetry/serving-metrics.js';
import { SchedulingMetrics } from '../telemetry/scheduling-metrics.js';
import { SWITCHYARD_VERSION } from './version.js';
import { Cluster } from '../gateway/cluster/cluster.js';
import { OutlierDetector } from '../control/outlier-detector.js';
import { RetryBudget } from '../control/retry-budget.js';
import { loadCatalog } from '../hardware/catalog.js';
import { registerClusterMetrics } from '../telemetry/cluster-metrics.js';

export interface EmbeddedServer {
  readonly app: FastifyInstance;
  readonly catalog: ModelCatalog;
  readonly config: ServerConfig;
  readonly scheduler: LiveScheduler;
  /** Present in cluster mode. */
  readonly cluster: Cluster | undefined;
  /** Stops listening, lets in-flight requests finish, frees every model. */
  close(): Promise<void>;
}

export interface ServerOptions {
  readonly config: ServerConfig;
  readonly log: Logger;
  readonly loadBackend?: LoadBackend;
  /** Process metrics (CPU, heap) are off in tests, where many servers share a process. */
  readonly processMetrics?: boolean;
}

/** Builds the server and loads the model repository; does not listen. */
export async function createServer(options: ServerOptions): Promise<EmbeddedServer> {
  const { config, log } = options;
  await mkdir(config.dataDir, { recursive: true });
  const catalog = new ModelCatalog(config, options.loadBackend ?? loadOnnxBackend, log);
  let loaded = false;
  const metrics = new ServingMetrics({ processMetrics: options.processMetrics ?? true });
  // In a cluster a replica whose node has not reported for three heartbeat intervals counts as saturated.
  const scheduler = new LiveScheduler(systemClock, log, config.cluster.token ? 3 * config.cluster.heartbeatMs : Number.POSITIVE_INFINITY);
  scheduler.useMetrics(new SchedulingMetrics(metrics.registry, () => scheduler.queueDepths()));
  const { cluster: settings } = config;
  let cluster: Cluster | undefined;
  if (settings.token) {
    scheduler.useResilience({
      outliers: new OutlierDetector({ consecutiveErrors: settings.ejectionConsecutiveErrors, baseMs: settings.ejectionBaseMs, maxMs: settings.ejectionMaxMs }),
      retryBudget: new RetryBudget({ ratio: settings.retryBudgetRatio, min: settings.retryBudgetMin, windowMs: settings.retryWindowMs }),
    });
    cluster = new Cluster(config, catalog, scheduler, loadCatalog(), systemClock, log);
    const nodes = cluster.registry;
    registerClusterMetrics(metrics.registry, () => nodes.all().map((n) => n.state), () => scheduler.stats);
  }
  const app = buildGateway({ config, catalog, metrics, log, serverVersion: SWITCHYARD_VERSION, isReady: () => loaded, scheduler, cluster });
  await catalog.loadRepository();
  for (const served of catalog.all()) if (served.state === 'READY') scheduler.addVersion(served, config, settings.localReplicas);
  loaded = true;
  await app.ready();
  cluster?.start();
  return {
    app,
    catalog,
    config,
    scheduler,
    cluster,
    async close() {
      await app.close();
      await cluster?.close();
      scheduler.close();
      await catalog.unloadAll();
    },
  };
}

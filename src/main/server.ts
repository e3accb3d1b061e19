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
import { loadCatalog } from '../hardware/catalog.js';
import { realTimers, type SimTimers } from '../runtime/sim/sim-backend.js';
import { declaredReplicas, loadSimProfiles } from './declared-replicas.js';
import { ReplicaMetrics } from '../telemetry/replica-metrics.js';

export interface EmbeddedServer {
  readonly app: FastifyInstance;
  readonly catalog: ModelCatalog;
  readonly config: ServerConfig;
  /** Stops listening, lets in-flight requests finish, frees every model. */
  close(): Promise<void>;
}

export interface ServerOptions {
  readonly config: ServerConfig;
  readonly log: Logger;
  readonly loadBackend?: LoadBackend;
  /** Process metrics (CPU, heap) are off in tests, where many servers share a process. */
  readonly processMetrics?: boolean;
  /** Time for simulated devices (declared_devices); tests pass their own. @default real timers */
  readonly simTimers?: SimTimers;
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
  scheduler.useReplicaMetrics(new ReplicaMetrics(metrics.registry, () => scheduler.replicaInfo()));
  // Declared devices need the catalog (prices, memory, tiers) and the models' sim profiles.
  const hardware = config.declaredDevices.length > 0 ? loadCatalog() : undefined;
  const profiles = hardware ? loadSimProfiles(config.simProfiles, log) : new Map();
  const app = buildGateway({ config, catalog, metrics, log, serverVersion: SWITCHYARD_VERSION, isReady: () => loaded, scheduler });
  await catalog.loadRepository();
  for (const served of catalog.all()) {
    if (served.state !== 'READY') continue;
    const extra = hardware ? declaredReplicas(served, config, hardware, profiles, options.simTimers ?? realTimers, log) : [];
    scheduler.addVersion(served, config, extra);
  }
  loaded = true;
  await app.ready();
  return {
    app,
    catalog,
    config,
    async close() {
      await app.close();
      scheduler.close();
      await catalog.unloadAll();
    },
  };
}

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
import type { Storage } from '../registry/storage/storage.js';
import { openStorage } from '../registry/storage/open-storage.js';
import { AuditBuffer } from '../registry/audit/audit-buffer.js';
import { ensureAdminKey } from './bootstrap-admin.js';
import { registryDeps } from './registry-wiring.js';
import { serveProductionVersions } from '../gateway/registry/serve-production.js';

export interface EmbeddedServer {
  readonly app: FastifyInstance;
  readonly catalog: ModelCatalog;
  readonly config: ServerConfig;
  readonly storage: Storage;
  /** The admin key created because the store had no key yet: to be shown once, then forgotten. */
  readonly initialAdminKey: string | undefined;
  /** Writes the buffered inference summaries to the audit log now. */
  flushAudit(): Promise<void>;
  /** Stops listening, lets in-flight requests finish, frees every model. */
  close(): Promise<void>;
}

export interface ServerOptions {
  readonly config: ServerConfig;
  readonly log: Logger;
  readonly loadBackend?: LoadBackend;
  /** Process metrics (CPU, heap) are off in tests, where many servers share a process. */
  readonly processMetrics?: boolean;
  /** A store opened by the caller (tests), who also closes it; by default the configured one is opened here. */
  readonly storage?: Storage;
}

/** Builds the server and loads the model repository; does not listen. */
export async function createServer(options: ServerOptions): Promise<EmbeddedServer> {
  const { config, log } = options;
  await mkdir(config.dataDir, { recursive: true });
  const storage = options.storage ?? (await openStorage({ driver: config.storage.driver, dataDir: config.dataDir, postgresUrl: config.storage.postgresUrl }));
  const closeStorage = async (): Promise<void> => {
    if (!options.storage) await storage.close();
  };
  let initialAdminKey: string | undefined;
  try {
    initialAdminKey = await ensureAdminKey(storage);
  } catch (error) {
    await closeStorage();
    throw error;
  }
  const auditBuffer = new AuditBuffer(storage, {
    flushIntervalMs: config.audit.flushIntervalMs,
    flushMaxRows: config.audit.flushMaxRows,
    onError: (error, pending) => log.error({ err: error, pending }, 'audit log: inference summaries could not be written; retrying'),
  });
  const registry = registryDeps(config, storage);
  const catalog = new ModelCatalog(config, options.loadBackend ?? loadOnnxBackend, log);
  let loaded = false;
  const metrics = new ServingMetrics({ processMetrics: options.processMetrics ?? true });
  const scheduler = new LiveScheduler(systemClock, log);
  scheduler.useMetrics(new SchedulingMetrics(metrics.registry, () => scheduler.queueDepths()));
  const app = buildGateway({ config, catalog, metrics, log, serverVersion: SWITCHYARD_VERSION, isReady: () => loaded, scheduler, storage, auditBuffer, registry });
  try {
    await catalog.loadRepository();
  } catch (error) {
    // A refused repository stops start-up; the store's connections must not keep the process alive.
    await auditBuffer.close();
    await closeStorage();
    throw error;
  }
  await serveProductionVersions(registry.service, catalog, log);
  for (const served of catalog.all()) if (served.state === 'READY') scheduler.addVersion(served, config);
  loaded = true;
  await app.ready();
  return {
    app,
    catalog,
    config,
    storage,
    initialAdminKey,
    flushAudit: () => auditBuffer.flush(),
    async close() {
      await app.close();
      scheduler.close();
      await catalog.unloadAll();
      await auditBuffer.close();
      await closeStorage();
    },
  };
}

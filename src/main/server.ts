/**
 * The embedded server: config -> logger, metrics, catalog (ONNX backends) -> gateway. The one
 * place that picks implementations; tests build it in-process the same way.
 */
import { mkdir } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import type { ServerConfig } from '../core/config.js';
import { buildGateway } from '../gateway/app.js';
import { ModelCatalog, type ServedVersion } from '../serving/model-catalog.js';
import { LiveScheduler } from '../serving/live/live-scheduler.js';
import { systemClock, type Clock } from '../core/clock.js';
import { loadOnnxBackend } from '../runtime/onnx/onnx-backend.js';
import type { LoadBackend } from '../runtime/backend.js';
import type { Logger } from '../telemetry/logger.js';
import { ServingMetrics } from '../telemetry/serving-metrics.js';
import { SchedulingMetrics } from '../telemetry/scheduling-metrics.js';
import { SWITCHYARD_VERSION } from './version.js';
import { DeviceMetrics } from '../telemetry/device-metrics.js';
import { SloBook } from '../telemetry/slo/slo-book.js';
import { SloMetrics } from '../telemetry/slo/slo-metrics.js';
import { compileSlo, thresholdIsBucketBound } from '../telemetry/slo/objective.js';
import { LATENCY_BUCKETS } from '../telemetry/buckets.js';
import { NO_TRACING, type Tracing } from '../telemetry/tracing/tracing.js';
import { SloControlLoop } from '../control/slo/slo-loop.js';
import { startDeviceMetrics, type DeviceRefresh } from './device-metrics-refresh.js';
import type { Storage } from '../registry/storage/storage.js';
import { openStorage } from '../registry/storage/open-storage.js';
import { AuditBuffer } from '../registry/audit/audit-buffer.js';
import { OffThreadAuditAppender } from '../registry/audit/off-thread-appender.js';
import { ensureAdminKey } from './bootstrap-admin.js';
import { loadCatalog } from '../hardware/catalog.js';
import { realTimers, type SimTimers } from '../runtime/sim/sim-backend.js';
import { declaredReplicas, loadSimProfiles } from './declared-replicas.js';
import { ReplicaMetrics } from '../telemetry/replica-metrics.js';
import { Cluster } from '../control/cluster/cluster.js';
import { OutlierDetector } from '../serving/live/outlier-detector.js';
import { RetryBudget } from '../serving/live/retry-budget.js';
import { registerClusterMetrics } from '../telemetry/cluster-metrics.js';
import { FallbackRunner } from '../serving/fallback/fallback-runner.js';
import { modelLifecycle } from '../serving/model-lifecycle.js';
import { DriftTracker } from '../serving/drift/drift-tracker.js';
import { driftAlertSender } from '../control/drift-alerts.js';
import { CostLedger } from '../telemetry/cost/cost-ledger.js';
import { registerCostMetrics } from '../telemetry/cost/cost-metrics.js';
import { registerDriftMetrics } from '../telemetry/drift/drift-metrics.js';
import { FallbackChainMetrics } from '../telemetry/fallback-chain-metrics.js';
import { localNodeCost } from './node-cost.js';
import { LOCAL_NODE } from '../serving/live/replica-plans.js';
import { registryDeps } from './registry-wiring.js';
import { isRegistryVersion, registryModelFile, serveProductionVersions } from '../serving/serve-production.js';
import { applyStoredSlos } from '../gateway/slo/stored-slos.js';

export interface EmbeddedServer {
  readonly app: FastifyInstance;
  readonly catalog: ModelCatalog;
  readonly config: ServerConfig;
  readonly slo: { readonly book: SloBook; readonly loop: SloControlLoop };
  readonly tracing: Tracing;
  readonly storage: Storage;
  /** The admin key created because the store had no key yet: to be shown once, then forgotten. */
  readonly initialAdminKey: string | undefined;
  /** Writes the buffered inference summaries to the audit log now. */
  flushAudit(): Promise<void>;
  readonly scheduler: LiveScheduler;
  /** Present in cluster mode. */
  readonly cluster: Cluster | undefined;
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
  /** Device gauges from hardware discovery. @default processMetrics */
  readonly deviceMetrics?: boolean;
  /** @default systemClock */
  readonly clock?: Clock;
  /** A store opened by the caller (tests), who also closes it; by default the configured one is opened here. */
  readonly storage?: Storage;
  /** Time for simulated devices (declared_devices); tests pass their own. @default real timers */
  readonly simTimers?: SimTimers;
}

/**
 * A server without replicas of its own (`switchyard gateway`) is ready once some replica (on an
 * agent, or a declared device) is ready to serve: before that every inference would answer 503,
 * and a load balancer must not send it traffic. One ready model is enough: a model without a
 * ready replica answers 503 NO_HEALTHY_REPLICA on its own and its /v2/models/{m}/ready says so,
 * while one broken model does not take the whole gateway out of rotation.
 */
function hasReadyReplica(replicas: Iterable<{ readonly state: string }>): boolean {
  for (const replica of replicas) if (replica.state === 'ready') return true;
  return false;
}

/** Loaded only when tracing is on, so a server without it never loads the OpenTelemetry SDK. */
async function createTracing(config: ServerConfig): Promise<Tracing> {
  if (!config.tracing.enabled) return NO_TRACING;
  const { OtelTracing } = await import('../telemetry/tracing/otel-tracing.js');
  const { endpoint, headers, samplingRatio, serviceName } = config.tracing;
  return new OtelTracing({ endpoint, headers, samplingRatio, serviceName, serviceVersion: SWITCHYARD_VERSION });
}

/** Builds the server and loads the model repository; does not listen. */
export async function createServer(options: ServerOptions): Promise<EmbeddedServer> {
  const { config, log } = options;
  await mkdir(config.dataDir, { recursive: true });
  const storageSettings = { driver: config.storage.driver, dataDir: config.dataDir, postgresUrl: config.storage.postgresUrl };
  const storage = options.storage ?? (await openStorage(storageSettings));
  // Inference summaries are appended by a thread with its own connection (hashing, inserts and
  // SQLite's fsync stay off the event loop) when this process opened the store itself.
  const appender = options.storage ? undefined : new OffThreadAuditAppender(storageSettings);
  const closeStorage = async (): Promise<void> => {
    await appender?.close();
    if (!options.storage) await storage.close();
  };
  let initialAdminKey: string | undefined;
  try {
    initialAdminKey = await ensureAdminKey(storage);
    await appender?.start();
  } catch (error) {
    await closeStorage();
    throw error;
  }
  const auditBuffer = new AuditBuffer(appender ?? storage, {
    flushIntervalMs: config.audit.flushIntervalMs,
    flushMaxRows: config.audit.flushMaxRows,
    onError: (error, pending) => log.error({ err: error, pending }, 'audit log: inference summaries could not be written; retrying'),
  });
  const registry = registryDeps(config, storage);
  const catalog = new ModelCatalog(config, options.loadBackend ?? loadOnnxBackend, log);
  let loaded = false;
  const clock = options.clock ?? systemClock;
  const processMetrics = options.processMetrics ?? true;
  const metrics = new ServingMetrics({ processMetrics });
  // The scheduling metrics read queue depths and replicas back from the scheduler, only when scraped.
  const schedulingMetrics: SchedulingMetrics = new SchedulingMetrics(metrics.registry, () => scheduler.load());
  const replicaMetrics: ReplicaMetrics = new ReplicaMetrics(metrics.registry, () => scheduler.replicaInfo());
  const costs = new CostLedger();
  const nodeCost = localNodeCost(config, log);
  costs.addNode({ node: LOCAL_NODE, ...nodeCost }, clock.now());
  registerCostMetrics(metrics.registry, () => costs.report(clock.now()));
  // Declared devices need the catalog (prices, memory, tiers) and the models' sim profiles.
  const hardware = config.declaredDevices.length > 0 ? loadCatalog() : undefined;
  const profiles = hardware ? loadSimProfiles(config.simProfiles, log) : new Map();
  const book = new SloBook(clock);
  const tracing = await createTracing(config);
  const { cluster: settings } = config;
  const scheduler: LiveScheduler = new LiveScheduler({
    clock,
    log,
    // In a cluster a replica whose node has not reported for three heartbeat intervals counts as saturated.
    staleAfterMs: settings.token ? 3 * settings.heartbeatMs : Number.POSITIVE_INFINITY,
    metrics: schedulingMetrics,
    replicaMetrics,
    costLedger: costs,
    sloSignals: book,
    tracing,
    ...(settings.token
      ? {
          resilience: {
            outliers: new OutlierDetector({ consecutiveErrors: settings.ejectionConsecutiveErrors, baseMs: settings.ejectionBaseMs, maxMs: settings.ejectionMaxMs }),
            retryBudget: new RetryBudget({ ratio: settings.retryBudgetRatio, min: settings.retryBudgetMin, windowMs: settings.retryWindowMs }),
          },
        }
      : {}),
  });
  const loop: SloControlLoop = new SloControlLoop({
    book,
    clock,
    log,
    metrics: new SloMetrics(metrics.registry, () => loop.evaluations()),
    ...(config.slo.webhookUrl === undefined ? {} : { defaultWebhookUrl: config.slo.webhookUrl }),
    webhook: { retries: config.slo.webhookRetries, backoffMs: config.slo.webhookBackoffMs, timeoutMs: config.slo.webhookTimeoutMs },
  });
  let devices: DeviceRefresh | undefined;
  if ((options.deviceMetrics ?? processMetrics) && config.deviceMetricsIntervalMs > 0) {
    devices = startDeviceMetrics(new DeviceMetrics(metrics.registry), config.deviceMetricsIntervalMs, log);
  }
  let cluster: Cluster | undefined;
  if (settings.token) {
    const registryFiles = { isRegistryVersion, modelFile: (model: string, version: string) => registryModelFile(registry.service, model, version) };
    cluster = new Cluster(config, catalog, scheduler, loadCatalog(), clock, log, registryFiles);
    const nodes = cluster.registry;
    registerClusterMetrics(metrics.registry, () => nodes.all().map((n) => n.state), () => scheduler.stats);
  }
  // The gauge reads the runner's circuits only when scraped, after both exist.
  const fallbackMetrics: FallbackChainMetrics = new FallbackChainMetrics(metrics.registry, metrics.fallbacks, () => runner.circuits());
  const runner: FallbackRunner = new FallbackRunner({ catalog, scheduler, clock, log, circuit: config.circuit, metrics: fallbackMetrics });
  // A fast-burning error budget sends the deployment's traffic down its fallback chain.
  runner.useBurnSignal((deployment) => book.sloState(deployment).fallback);
  const webhook = { retries: config.slo.webhookRetries, backoffMs: config.slo.webhookBackoffMs, timeoutMs: config.slo.webhookTimeoutMs };
  const drift = new DriftTracker(config.drift, clock, log, driftAlertSender(config.slo.webhookUrl, webhook, log, () => clock.wallNow()));
  registerDriftMetrics(metrics.registry, () => drift.rows());
  /** A READY version becomes schedulable, with its drift tracking and SLOs: at start, and on a load through /v2/repository. */
  function deploy(served: ServedVersion): void {
    if (served.state !== 'READY' || !served.config) return;
    const extra = hardware ? declaredReplicas(served, config, hardware, profiles, options.simTimers ?? realTimers, log) : [];
    scheduler.addVersion(served, config, extra, settings.localReplicas, nodeCost.costPerHour);
    drift.add(served);
    for (const raw of served.config.slos) {
      const slo = compileSlo(served.model, served.version, served.config.latencyClass, raw);
      book.set(slo);
      if (!thresholdIsBucketBound(slo, LATENCY_BUCKETS)) log.warn({ slo: slo.id }, `latency_threshold_ms ${slo.latencyThresholdSeconds * 1000} is not a bucket bound of switchyard_inference_request_duration_seconds; Prometheus rules can only approximate it`);
    }
  }
  // In a cluster, replicas live on agents placed by the control loop: no load or unload here.
  const lifecycle = cluster ? undefined : modelLifecycle({ catalog, scheduler, runner, deploy });
  const app = buildGateway({ config, catalog, metrics, log, serverVersion: SWITCHYARD_VERSION, isReady: () => loaded && (settings.localReplicas || hasReadyReplica(scheduler.replicaInfo())), scheduler, slo: { book, clock }, tracing, storage, auditBuffer, registry, cluster, runner, drift, costs, clock, lifecycle });
  try {
    await catalog.loadRepository();
    await serveProductionVersions(registry.service, catalog, log);
  } catch (error) {
    // A refused repository stops start-up; the store's connections must not keep the process alive.
    devices?.stop();
    await tracing.shutdown();
    await auditBuffer.close();
    await closeStorage();
    throw error;
  }
  for (const served of catalog.all()) deploy(served);
  await applyStoredSlos(storage, book, catalog, log);
  runner.prepare();
  loop.start(config.slo.evaluateIntervalMs);
  await devices?.first;
  loaded = true;
  await app.ready();
  cluster?.start();
  return {
    app,
    catalog,
    config,
    slo: { book, loop },
    tracing,
    storage,
    initialAdminKey,
    flushAudit: () => auditBuffer.flush(),
    scheduler,
    cluster,
    fallbacks: runner,
    drift,
    costs,
    async close() {
      await app.close();
      await cluster?.close();
      loop.stop();
      devices?.stop();
      scheduler.close();
      await tracing.shutdown();
      await catalog.unloadAll();
      await auditBuffer.close();
      await closeStorage();
    },
  };
}

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
import { DeviceMetrics } from '../telemetry/device-metrics.js';
import { SloBook } from '../telemetry/slo/slo-book.js';
import { SloMetrics } from '../telemetry/slo/slo-metrics.js';
import { compileSlo, thresholdIsBucketBound } from '../telemetry/slo/objective.js';
import { LATENCY_BUCKETS } from '../telemetry/buckets.js';
import { NO_TRACING, type Tracing } from '../telemetry/tracing/tracing.js';
import { SloControlLoop } from '../control/slo/slo-loop.js';
import { startDeviceMetrics, type DeviceRefresh } from './device-metrics-refresh.js';
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
  readonly slo: { readonly book: SloBook; readonly loop: SloControlLoop };
  readonly tracing: Tracing;
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
  const catalog = new ModelCatalog(config, options.loadBackend ?? loadOnnxBackend, log);
  let loaded = false;
  const clock = options.clock ?? systemClock;
  const processMetrics = options.processMetrics ?? true;
  const metrics = new ServingMetrics({ processMetrics });
  const scheduler = new LiveScheduler(clock, log);
  scheduler.useMetrics(new SchedulingMetrics(metrics.registry, () => scheduler.load()));
  const book = new SloBook(clock);
  scheduler.useSloSignals(book);
  const tracing = await createTracing(config);
  scheduler.useTracing(tracing);
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
  const costs = new CostLedger();
  const nodeCost = localNodeCost(config, log);
  costs.addNode({ node: LOCAL_NODE, ...nodeCost }, clock.now());
  scheduler.useCostLedger(costs);
  registerCostMetrics(metrics.registry, () => costs.report(clock.now()));
  // The gauge reads the runner's circuits only when scraped, after both exist.
  const fallbackMetrics: FallbackChainMetrics = new FallbackChainMetrics(metrics.registry, metrics.fallbacks, () => runner.circuits());
  const runner: FallbackRunner = new FallbackRunner({ catalog, scheduler, clock, log, circuit: config.circuit, metrics: fallbackMetrics });
  // A burning budget whose SLO action is `fallback` sends the deployment's requests down its chain.
  runner.useBurnSignal((deployment) => book.sloState(deployment).fallback);
  const drift = new DriftTracker(config.drift, clock, log);
  registerDriftMetrics(metrics.registry, () => drift.rows());
  const app = buildGateway({ config, catalog, metrics, log, serverVersion: SWITCHYARD_VERSION, isReady: () => loaded, runner, drift, costs, clock, slo: { book, clock }, tracing });
  await catalog.loadRepository();
  for (const served of catalog.all()) {
    if (served.state !== 'READY' || !served.config) continue;
    scheduler.addVersion(served, config, nodeCost.costPerHour);
    drift.add(served);
    for (const raw of served.config.slos) {
      const slo = compileSlo(served.model, served.version, served.config.latencyClass, raw);
      book.set(slo);
      if (!thresholdIsBucketBound(slo, LATENCY_BUCKETS)) log.warn({ slo: slo.id }, `latency_threshold_ms ${slo.latencyThresholdSeconds * 1000} is not a bucket bound of switchyard_inference_request_duration_seconds; Prometheus rules can only approximate it`);
    }
  }
  runner.prepare();
  loop.start(config.slo.evaluateIntervalMs);
  await devices?.first;
  loaded = true;
  await app.ready();
  return {
    app,
    catalog,
    config,
    slo: { book, loop },
    tracing,
    fallbacks: runner,
    drift,
    costs,
    async close() {
      await app.close();
      loop.stop();
      devices?.stop();
      scheduler.close();
      await tracing.shutdown();
      await catalog.unloadAll();
    },
  };
}

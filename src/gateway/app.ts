/**
 * The HTTP surface, assembled from its parts. Built without listening, so tests drive it
 * in-process with `inject()` and main/ decides where it listens.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { ServerConfig } from '../core/config.js';
import { SwitchyardError } from '../core/errors.js';
import type { Logger } from '../telemetry/logger.js';
import type { ServingMetrics } from '../telemetry/serving-metrics.js';
import { MAX_PARAM_LENGTH, sendError, toSwitchyardError } from './error-reply.js';
import type { ModelCatalog } from '../serving/model-catalog.js';
import type { LiveScheduler } from '../serving/live/live-scheduler.js';
import type { Clock } from '../core/clock.js';
import type { CostLedger } from '../telemetry/cost/cost-ledger.js';
import { registerCostRoutes } from './cost/cost-routes.js';
import type { DriftTracker } from '../serving/drift/drift-tracker.js';
import { registerDriftRoutes } from './drift/drift-routes.js';
import type { FallbackRunner } from '../serving/fallback/fallback-runner.js';
import { registerInferRoute } from './oip/infer-route.js';
import { registerMetadataRoutes } from './oip/metadata-routes.js';
import { registerSloRoutes } from './slo/slo-routes.js';
import type { SloBook } from '../telemetry/slo/slo-book.js';
import type { Tracing } from '../telemetry/tracing/tracing.js';
import type { RegistryService } from '../registry/service/registry-service.js';
import { registerRegistryRoutes } from './registry/registry-routes.js';
import { registerDocsRoutes, trackRoutes } from './docs/openapi.js';
import type { Storage } from '../registry/storage/storage.js';
import type { AuditBuffer } from '../registry/audit/audit-buffer.js';
import { AccessCache } from './auth/access-cache.js';
import { registerAuth } from './auth/auth-hook.js';
import { registerKeyRoutes } from './auth/keys-routes.js';
import { registerTenantRoutes } from './auth/tenants-routes.js';
import { registerAuditRoutes } from './audit/audit-routes.js';
import { auditInference } from './audit/audit-inference.js';
import { Residency } from './oip/residency.js';
import type { Cluster } from '../control/cluster/cluster.js';
import { registerClusterRoutes } from './cluster/cluster-routes.js';
import { registerRequestDeadline, sweepIntervalMs } from './request-deadline.js';
import { registerBodyParsers } from './body/body-parsers.js';
import { registerRequestDecompression } from './body/content-encoding.js';
import { InferenceStats } from './oip/inference-stats.js';
import { registerTritonRoutes } from './oip/triton-routes.js';
import { registerRepositoryRoutes } from './oip/repository-routes.js';
import type { ModelLifecycle } from '../serving/model-lifecycle.js';

export interface GatewayDeps {
  readonly config: ServerConfig;
  readonly catalog: ModelCatalog;
  readonly metrics: ServingMetrics;
  readonly log: Logger;
  readonly serverVersion: string;
  /** Whether the server has finished loading its repository. */
  readonly isReady: () => boolean;
  readonly scheduler: LiveScheduler;
  /** SLOs: counted per request, listed and set at /v1/slos. */
  readonly slo?: { readonly book: SloBook; readonly clock: Clock };
  /** @default off */
  readonly tracing?: Tracing;
  /** The model registry's admin API (/v1/models); absent = not served. */
  readonly registry?: { readonly service: RegistryService; readonly pushBodyLimitBytes: number };
  /** Governance records: keys, tenants, audit log (and the registry's tables). */
  readonly storage: Storage;
  /** Where inference summaries wait to be appended to the audit log. */
  readonly auditBuffer: AuditBuffer;
  /** Present in cluster mode (cluster.token set). */
  readonly cluster?: Cluster | undefined;
  /** Runs requests on their deployments and down their fallback chains. */
  readonly runner: FallbackRunner;
  readonly drift: DriftTracker;
  readonly costs: CostLedger;
  readonly clock: Clock;
  /** Load and unload through /v2/repository/models/{m}/...; absent = not served (cluster mode). */
  readonly lifecycle?: ModelLifecycle;
}

export function buildGateway(deps: GatewayDeps): FastifyInstance {
  const app = Fastify({
    // pino's Logger is fastify's base logger; the cast keeps the instance's default generics.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    loggerInstance: deps.log as FastifyBaseLogger,
    // Per-request log lines cost more than the request on small models; errors are logged where they happen.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.config.bodyLimitBytes,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Slow clients (docs/security.md): Node answers 408 to headers or a push body that are late and
    // closes idle keep-alive connections; registerRequestDeadline holds every other body to less.
    keepAliveTimeout: deps.config.http.keepAliveTimeoutMs,
    requestTimeout: deps.config.http.uploadTimeoutMs,
    http: {
      headersTimeout: deps.config.http.headersTimeoutMs,
      requestTimeout: deps.config.http.uploadTimeoutMs,
      // Node checks those deadlines at this interval (default 30 s, which let a 10 s limit run to 40 s).
      connectionsCheckingInterval: sweepIntervalMs(deps.config.http.headersTimeoutMs),
    },
    // Router refusals (a parameter over that length, a malformed URL) in catalogue terms, not fastify's bare 414.
    frameworkErrors: (error, request, reply) => {
      void sendError(reply, toSwitchyardError(error, deps.log, { url: request.url }));
    },
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // Our own refusal while closing (below) carries a catalogue code and Retry-After.
    return503OnClosing: false,
    // Why: request ids come from traceparent; fastify's counter would be a second id scheme.
    genReqId: () => '',
    // No child logger per request: its bindings are serialised on every request for nothing.
    childLoggerFactory: (logger) => logger,
  });

  // JSON (depth-checked), binary tensors and Triton's unlabelled bodies; gzip and deflate inflated first.
  registerBodyParsers(app, { maxJsonDepth: deps.config.maxJsonDepth });
  registerRequestDecompression(app);
  app.setErrorHandler((error, request, reply) => sendError(reply, toSwitchyardError(error, deps.log, { url: request.url })));
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, new SwitchyardError('ROUTE_NOT_FOUND', `no route for ${request.method} ${request.url.split('?')[0] ?? ''}; see docs/api.md`)),
  );

  // Before any route, so the OpenAPI document at /docs sees every one.
  const routes = trackRoutes(app);
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // Callback hooks here and on the request path: an async hook costs a promise and a microtask per request.
  app.addHook('onRequest', (_request, reply, done) => {
    if (closing) void sendError(reply, new SwitchyardError('SHUTTING_DOWN', 'the server is shutting down', { retryAfterSeconds: 1 }));
    else done();
  });

  registerRequestDeadline(app, { timeoutMs: deps.config.http.requestTimeoutMs });

  // First, so its onRoute check sees every route registered after it.
  const access = new AccessCache(deps.storage, deps.clock);
  registerAuth(app, { cache: access, host: deps.config.host, anonymousInference: deps.config.auth.anonymousInference, clock: deps.clock });

  const stats = new InferenceStats();
  registerMetadataRoutes(app, deps.catalog, deps.serverVersion, deps.isReady, () => deps.scheduler.replicaInfo(), !deps.config.cluster.localReplicas);
  registerInferRoute(app, {
    catalog: deps.catalog,
    metrics: deps.metrics,
    log: deps.log,
    limits: { maxTensorElements: deps.config.maxTensorElements },
    ...(deps.slo ? { slo: deps.slo.book } : {}),
    ...(deps.tracing ? { tracing: deps.tracing } : {}),
    onComplete: auditInference(deps.auditBuffer, deps.clock, deps.log),
    residency: new Residency(deps.config.residency),
    runner: deps.runner,
    observe: deps.drift,
    maxJsonDepth: deps.config.maxJsonDepth,
    stats,
  });
  registerTritonRoutes(app, deps.catalog, stats);
  if (deps.lifecycle) registerRepositoryRoutes(app, { lifecycle: deps.lifecycle, catalog: deps.catalog, storage: deps.storage });
  if (deps.slo) registerSloRoutes(app, { book: deps.slo.book, catalog: deps.catalog, clock: deps.slo.clock, log: deps.log, storage: deps.storage });
  registerKeyRoutes(app, { storage: deps.storage, cache: access });
  registerTenantRoutes(app, { storage: deps.storage, cache: access });
  registerAuditRoutes(app, { storage: deps.storage });
  registerClusterRoutes(app, { cluster: deps.cluster });
  registerDriftRoutes(app, { catalog: deps.catalog, drift: deps.drift });
  registerCostRoutes(app, { ledger: deps.costs, clock: deps.clock });
  app.get('/metrics', async (_request, reply) => reply.type(deps.metrics.contentType()).send(await deps.metrics.render()));
  if (deps.registry) registerRegistryRoutes(app, { registry: deps.registry.service, pushBodyLimitBytes: deps.registry.pushBodyLimitBytes, maxConcurrentUploads: deps.config.registry.ingest.maxConcurrentUploads, maxJsonDepth: deps.config.maxJsonDepth });
  registerDocsRoutes(app, routes, deps.serverVersion);
  return app;
}

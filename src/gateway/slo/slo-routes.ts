/**
 * The SLO admin API: GET /v1/slos lists every SLO with its budget remaining, burn rates and
 * the actions in force; GET /v1/slos/{id} one; PUT /v1/slos/{id} sets one (id =
 * `model:version:latency_class`); POST /v1/slos creates or replaces one named in its body.
 * An SLO set here is stored (with its audit row, in one transaction) before it takes effect, and
 * is applied over the model.yaml one at every start (stored-slos.ts).
 */
import type { FastifyInstance } from 'fastify';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { Clock } from '../../core/clock.js';
import { LATENCY_CLASSES, type LatencyClass } from '../../core/contract.js';
import { SwitchyardError } from '../../core/errors.js';
import { describeSchemaErrors } from '../../core/schema-errors.js';
import type { Logger } from '../../telemetry/logger.js';
import type { Json } from '../../registry/storage/rows.js';
import type { Storage } from '../../registry/storage/storage.js';
import { deploymentName } from '../../core/deployment-name.js';
import { compileSlo, RAW_SLO_SCHEMA, rawOfSlo, thresholdIsBucketBound, type RawSlo } from '../../telemetry/slo/objective.js';
import { LATENCY_BUCKETS } from '../../telemetry/buckets.js';
import type { SloBook } from '../../telemetry/slo/slo-book.js';
import type { SloTracker } from '../../telemetry/slo/slo-tracker.js';
import type { ModelCatalog } from '../../serving/model-catalog.js';
import { resolveVersion } from '../../serving/resolve-version.js';
import { actorOf, type Principal } from '../auth/principal.js';
import { sloJson } from './slo-json.js';

export interface SloRouteDeps {
  readonly book: SloBook;
  readonly catalog: ModelCatalog;
  readonly clock: Clock;
  readonly log: Logger;
  /** Where SLOs set here are kept and audited. */
  readonly storage: Storage;
}

const ajv = new Ajv2020({ allErrors: true, strict: true });
/** Also checks stored SLOs at start (stored-slos.ts). */
export const validateRaw = ajv.compile<RawSlo>(RAW_SLO_SCHEMA);
const validateCreate = ajv.compile<RawSlo & { model: string; version: string }>({
  ...RAW_SLO_SCHEMA,
  required: ['model', 'version'],
  properties: { ...RAW_SLO_SCHEMA.properties, model: { type: 'string', minLength: 1, maxLength: 256 }, version: { type: 'string', minLength: 1, maxLength: 64 } },
});

function problems(errors: typeof validateRaw.errors): string {
  return describeSchemaErrors(errors, 'body').join('; ');
}

const READ = { roles: ['admin', 'operator', 'viewer'] as const };
const WRITE = { roles: ['admin', 'operator'] as const };

export function registerSloRoutes(app: FastifyInstance, deps: SloRouteDeps): void {
  const { book, catalog, clock, log, storage } = deps;

  const describe = (tracker: SloTracker): Record<string, unknown> => {
    const status = tracker.evaluate(clock.wallNow());
    return sloJson(status, book.sloState(deploymentName(status.objective), status.objective.latencyClass));
  };

  // Stored and audited first, then applied: a change the store refused never takes effect.
  const setSlo = async (model: string, version: string, raw: RawSlo, principal: Principal | null): Promise<SloTracker> => {
    const served = resolveVersion(catalog, model, version);
    const slo = compileSlo(served.model, served.version, served.config?.latencyClass ?? 'realtime', raw);
    const previous = book.get(slo.id)?.objective;
    // As sent (omitted fields keep taking their defaults), with the class it was set for.
    const objective = { ...raw, latency_class: slo.latencyClass } as { [key: string]: Json };
    await storage.transaction(async (tx) => {
      await tx.putSloOverride({ id: slo.id, model: slo.model, version: slo.version, latencyClass: slo.latencyClass, objective, setBy: actorOf(principal) });
      await tx.appendAudit([{
        actor: actorOf(principal),
        action: 'slo.set',
        target: `slo/${slo.id}`,
        before: previous ? rawOfSlo(previous) : null,
        after: objective,
        detail: { key_name: principal?.keyName ?? null, roles: [...(principal?.roles ?? [])] },
      }]);
    });
    book.set(slo);
    log.info({ slo: slo.id, objective: raw, by: actorOf(principal) }, 'SLO set through the admin API');
    if (!thresholdIsBucketBound(slo, LATENCY_BUCKETS)) log.warn({ slo: slo.id }, `latency_threshold_ms ${slo.latencyThresholdSeconds * 1000} is not a bucket bound of switchyard_inference_request_duration_seconds; Prometheus rules can only approximate it`);
    const tracker = book.get(slo.id);
    if (!tracker) throw new SwitchyardError('INTERNAL', 'the SLO was not stored');
    return tracker;
  };

  app.get('/v1/slos', { config: READ }, async () => ({ slos: [...book.all()].map(describe) }));

  app.get<{ Params: { id: string } }>('/v1/slos/:id', { config: READ }, async (request) => {
    const tracker = book.get(request.params.id);
    if (!tracker) throw new SwitchyardError('SLO_NOT_FOUND', `no SLO '${request.params.id}'; GET /v1/slos lists them (ids are model:version:latency_class)`);
    return describe(tracker);
  });

  app.put<{ Params: { id: string }; Body: unknown }>('/v1/slos/:id', { config: WRITE }, async (request) => {
    const match = /^(.+):([^:]+):([a-z]+)$/.exec(request.params.id);
    const latencyClass = match?.[3] as LatencyClass | undefined;
    if (!match || !latencyClass || !LATENCY_CLASSES.includes(latencyClass)) {
      throw new SwitchyardError('INVALID_REQUEST', `an SLO id is model:version:latency_class with latency_class one of ${LATENCY_CLASSES.join(' | ')}, got '${request.params.id}'`);
    }
    const body = request.body ?? {};
    if (!validateRaw(body)) throw new SwitchyardError('INVALID_REQUEST', `invalid SLO: ${problems(validateRaw.errors)}`);
    if (body.latency_class !== undefined && body.latency_class !== latencyClass) {
      throw new SwitchyardError('INVALID_REQUEST', `latency_class '${body.latency_class}' in the body differs from '${latencyClass}' in the id`);
    }
    return describe(await setSlo(match[1] ?? '', match[2] ?? '', { ...body, latency_class: latencyClass }, request.principal));
  });

  app.post<{ Body: unknown }>('/v1/slos', { config: WRITE }, async (request, reply) => {
    const body = request.body ?? {};
    if (!validateCreate(body)) throw new SwitchyardError('INVALID_REQUEST', `invalid SLO: ${problems(validateCreate.errors)}`);
    const { model, version, ...raw } = body;
    const existed = book.get(compileSlo(model, version, 'realtime', raw).id) !== undefined && raw.latency_class !== undefined;
    return reply.code(existed ? 200 : 201).send(describe(await setSlo(model, version, raw, request.principal)));
  });
}

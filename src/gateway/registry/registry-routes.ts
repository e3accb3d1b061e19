/**
 * Admin REST for the model registry under /v1/models. Roles: deployers push and record
 * evaluations, approvers approve, operators and admins move versions through the lifecycle,
 * viewers (and every role above) read. The acting key comes from the auth hook's principal.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SwitchyardError } from '../../core/errors.js';
import { isStage, STAGES } from '../../registry/lifecycle/stages.js';
import type { RegistryService } from '../../registry/service/registry-service.js';
import { parseEvaluation, PUSH_METADATA_SCHEMA, EVALUATION_SCHEMA } from '../../registry/service/push-request.js';
import { ROLES, type Role } from '../../registry/storage/rows.js';
import { requestActor } from './request-actor.js';
import { readPushBody } from './push-body.js';
import { uploadSlots } from './upload-slots.js';
import { approvalView, deploymentView, evaluationView, modelView, versionSummary, versionView } from './registry-views.js';

export interface RegistryRouteDeps {
  readonly registry: RegistryService;
  /** Largest push body: the ingest limit, plus base64's third and room for metadata. */
  readonly pushBodyLimitBytes: number;
  /** Pushes received at once; more get 503 UPLOADS_BUSY. @default unlimited */
  readonly maxConcurrentUploads?: number;
  /** Deepest JSON nesting of the octet-stream form's metadata header (max_json_depth). @default 64 */
  readonly maxJsonDepth?: number;
}

const READ: Role[] = ['admin', 'operator', 'approver', 'deployer', 'viewer'];
const PUSH: Role[] = ['admin', 'deployer'];
const EVALUATE: Role[] = ['admin', 'operator', 'deployer'];
const APPROVE: Role[] = ['admin', 'approver'];
const TRANSITION: Role[] = ['admin', 'operator'];

interface NameParams { name: string }
interface VersionParams { name: string; version: string }

function objectBody(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body) || Buffer.isBuffer(body)) throw new SwitchyardError('INVALID_REQUEST', 'send a JSON object');
  return body as Record<string, unknown>;
}

function onlyFields(body: Record<string, unknown>, allowed: readonly string[]): void {
  const extra = Object.keys(body).find((k) => !allowed.includes(k));
  if (extra !== undefined) throw new SwitchyardError('INVALID_REQUEST', `unknown field '${extra.slice(0, 64)}'; allowed: ${allowed.join(', ')}`);
}

function optionalString(body: Record<string, unknown>, key: string, max: number): string | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > max) throw new SwitchyardError('INVALID_REQUEST', `'${key}' must be a string of at most ${max} characters`);
  return value;
}

const APPROVAL_BODY = {
  type: 'object',
  additionalProperties: false,
  properties: { decision: { enum: ['approve', 'reject'] }, comment: { type: 'string', maxLength: 4096 }, role: { enum: [...ROLES] } },
} as const;
const TRANSITION_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['to'],
  properties: { to: { enum: [...STAGES] }, reason: { type: 'string', maxLength: 4096 } },
} as const;
const PUSH_JSON_BODY = {
  ...PUSH_METADATA_SCHEMA,
  required: ['contract', 'artifact'],
  properties: {
    ...PUSH_METADATA_SCHEMA.properties,
    artifact: {
      type: 'object',
      additionalProperties: false,
      properties: { base64: { type: 'string' }, url: { type: 'string' }, file_name: { type: 'string' } },
    },
  },
} as const;

export function registerRegistryRoutes(app: FastifyInstance, deps: RegistryRouteDeps): void {
  const { registry } = deps;

  app.get('/v1/models', { config: { roles: READ, openapi: { summary: 'List registry models with their versions' } } }, async () => ({
    models: (await registry.listModels()).map(({ model, versions }) => modelView(model, versions)),
  }));

  app.get<{ Params: NameParams }>('/v1/models/:name', { config: { roles: READ, openapi: { summary: 'One model: versions and deployment history' } } }, async (request) => {
    const { model, versions, deployments } = await registry.getModel(request.params.name);
    return { ...modelView(model, versions), deployments: deployments.map(deploymentView) };
  });

  app.post<{ Params: VersionParams }>(
    '/v1/models/:name/versions/:version',
    {
      bodyLimit: deps.pushBodyLimitBytes,
      // Route-level, so it runs after the auth hook: only an admitted push takes a slot.
      onRequest: uploadSlots(deps.maxConcurrentUploads ?? Number.POSITIVE_INFINITY),
      config: {
        roles: PUSH,
        upload: true,
        openapi: {
          summary: 'Push an immutable version: artifact, contract, lineage, card, evaluations',
          description: 'JSON body (artifact as base64 or an allow-listed URL), or application/octet-stream with the artifact as the body and the metadata as base64url JSON in x-switchyard-metadata (x-switchyard-file-name for a single .onnx file; an archive otherwise).',
          body: PUSH_JSON_BODY,
          status: 201,
        },
      },
    },
    async (request, reply) => {
      const { metadata, source } = readPushBody(request, deps.maxJsonDepth);
      const result = await registry.push(requestActor(request), request.params.name, request.params.version, metadata, source);
      return reply.code(201).send({
        ...versionSummary(result.version),
        replaces: result.replaces ?? null,
        compatibility: result.compatibility ? { breaking: result.compatibility.breaking, changes: result.compatibility.changes } : null,
      });
    },
  );

  app.get<{ Params: VersionParams }>('/v1/models/:name/versions/:version', { config: { roles: READ, openapi: { summary: 'One version: state, digest, manifest, contract, lineage, card, evaluations, approvals, unmet gates' } } }, async (request) =>
    versionView(await registry.getVersion(request.params.name, request.params.version)),
  );

  app.post<{ Params: VersionParams }>('/v1/models/:name/versions/:version/evaluations', { config: { roles: EVALUATE, openapi: { summary: 'Record an evaluation result (metrics on a named dataset)', body: EVALUATION_SCHEMA, status: 201 } } }, async (request, reply) => {
    const evaluation = parseEvaluation(objectBody(request));
    const row = await registry.addEvaluation(requestActor(request), request.params.name, request.params.version, evaluation);
    return reply.code(201).send(evaluationView(row));
  });

  app.post<{ Params: VersionParams }>('/v1/models/:name/versions/:version/approvals', { config: { roles: APPROVE, openapi: { summary: 'Approve or reject a staged version (never the key that pushed it)', body: APPROVAL_BODY, status: 201 } } }, async (request, reply) => {
    const body = objectBody(request);
    onlyFields(body, ['decision', 'comment', 'role']);
    const decision = body.decision ?? 'approve';
    if (decision !== 'approve' && decision !== 'reject') throw new SwitchyardError('INVALID_REQUEST', "'decision' is approve or reject");
    const role = body.role;
    if (role !== undefined && !ROLES.includes(role as Role)) throw new SwitchyardError('INVALID_REQUEST', `'role' is one of ${ROLES.join(', ')}`);
    const row = await registry.approve(requestActor(request), request.params.name, request.params.version, decision, optionalString(body, 'comment', 4096) ?? '', role as Role | undefined);
    return reply.code(201).send(approvalView(row));
  });

  app.post<{ Params: VersionParams }>('/v1/models/:name/versions/:version/transitions', { config: { roles: TRANSITION, openapi: { summary: 'Move a version to another lifecycle stage (stage, approve behind the gates, promote, retire)', body: TRANSITION_BODY } } }, async (request) => {
    const body = objectBody(request);
    onlyFields(body, ['to', 'reason']);
    if (!isStage(body.to)) throw new SwitchyardError('INVALID_REQUEST', `'to' is one of ${STAGES.join(', ')}`);
    const row = await registry.transition(requestActor(request), request.params.name, request.params.version, body.to, optionalString(body, 'reason', 4096) ?? '');
    return versionSummary(row);
  });
}

/** GET /v1/deployments/{id}/drift: drift statistics of a deployment (`model:version`, or a model name for its default version). */
import { deploymentName } from '../../core/deployment-name.js';
import type { FastifyInstance } from 'fastify';
import { SwitchyardError } from '../../core/errors.js';
import type { ModelCatalog } from '../../serving/model-catalog.js';
import { resolveVersion } from '../../serving/resolve-version.js';
import type { DriftTracker } from '../../serving/drift/drift-tracker.js';

export interface DriftRouteDeps {
  readonly catalog: ModelCatalog;
  readonly drift: DriftTracker;
}

/** `model:version` or `model`: the deployment id of a served version. */
export function deploymentIdOf(catalog: ModelCatalog, id: string): string {
  const colon = id.lastIndexOf(':');
  const served = colon > 0 ? resolveVersion(catalog, id.slice(0, colon), id.slice(colon + 1)) : resolveVersion(catalog, id, undefined);
  return deploymentName(served);
}

export function registerDriftRoutes(app: FastifyInstance, deps: DriftRouteDeps): void {
  app.get<{ Params: { id: string } }>('/v1/deployments/:id/drift', { config: { roles: ['admin', 'operator', 'viewer'] } }, async (request) => {
    const deployment = deploymentIdOf(deps.catalog, request.params.id);
    const report = deps.drift.report(deployment);
    if (!report) throw new SwitchyardError('MODEL_NOT_READY', `deployment '${deployment}' is not serving, so it has no drift to report`, { retryAfterSeconds: 5 });
    return report;
  });
}

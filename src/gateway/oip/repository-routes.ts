/**
 * Triton's model repository extension, load and unload: POST /v2/repository/models/{m}/load and
 * .../unload, admin keys only. Each call, done or refused, is an audit row with the caller and
 * the versions' states before and after. The bodies Triton's clients send are read: `{}` or
 * none, and `parameters.unload_dependents` (no dependents here, so nothing more to unload);
 * load's `config` and file overrides are refused: a model loads from its repository folder.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SwitchyardError, isSwitchyardError } from '../../core/errors.js';
import type { Json, Role } from '../../registry/storage/rows.js';
import type { Storage } from '../../registry/storage/storage.js';
import { actorOf } from '../auth/principal.js';
import type { ModelCatalog, ServedVersion } from '../../serving/model-catalog.js';
import type { ModelLifecycle } from '../../serving/model-lifecycle.js';

/** Who may load and unload: what serves changes for every caller. */
export const REPOSITORY_ROLES: readonly Role[] = ['admin'];

export interface RepositoryRouteDeps {
  readonly lifecycle: ModelLifecycle;
  readonly catalog: ModelCatalog;
  readonly storage: Storage;
}

interface ModelParams { model: string }

function states(versions: readonly ServedVersion[]): Json {
  return versions.map((v) => ({ version: v.version, state: v.state, reason: v.reason ?? null }));
}

/** The request's `parameters`; only the names given may appear. */
function checkParameters(body: unknown, allowed: readonly string[], action: string): void {
  if (body === undefined || body === null) return;
  if (typeof body !== 'object' || Array.isArray(body)) throw new SwitchyardError('INVALID_REQUEST', `the ${action} body must be a JSON object (or empty)`);
  const parameters = (body as { parameters?: unknown }).parameters;
  if (parameters === undefined) return;
  if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) throw new SwitchyardError('INVALID_REQUEST', "'parameters' must be an object");
  for (const name of Object.keys(parameters)) {
    if (!allowed.includes(name)) {
      throw new SwitchyardError('PARAMETER_INVALID', `${action} parameter '${name}' is not supported: a model loads from its folder in the model repository (no config or file overrides)`);
    }
  }
}

export function registerRepositoryRoutes(app: FastifyInstance, deps: RepositoryRouteDeps): void {
  const { lifecycle, catalog, storage } = deps;

  async function change(request: FastifyRequest<{ Params: ModelParams }>, action: 'load' | 'unload', run: () => Promise<readonly ServedVersion[]>): Promise<object> {
    const { model } = request.params;
    const before = states(catalog.versions(model));
    let versions: readonly ServedVersion[] | undefined;
    let failure: SwitchyardError | undefined;
    try {
      versions = await run();
    } catch (error) {
      if (!isSwitchyardError(error)) throw error;
      failure = error;
    }
    await storage.appendAudit([
      {
        actor: actorOf(request.principal),
        action: `model.${action}`,
        target: `model/${model}`,
        before,
        after: states(catalog.versions(model)),
        detail: { outcome: failure ? failure.code : 'ok', ...(failure ? { message: failure.message } : {}) },
      },
    ]);
    if (failure) throw failure;
    return { name: model, versions: (versions ?? []).map((v) => ({ version: v.version, state: v.state, reason: v.reason ?? '' })) };
  }

  app.post<{ Params: ModelParams; Body: unknown }>('/v2/repository/models/:model/load', { config: { roles: REPOSITORY_ROLES } }, async (request) => {
    return change(request, 'load', () => {
      checkParameters(request.body, [], 'load');
      return lifecycle.load(request.params.model);
    });
  });
  app.post<{ Params: ModelParams; Body: unknown }>('/v2/repository/models/:model/unload', { config: { roles: REPOSITORY_ROLES } }, async (request) => {
    return change(request, 'unload', () => {
      checkParameters(request.body, ['unload_dependents'], 'unload');
      return lifecycle.unload(request.params.model);
    });
  });
}

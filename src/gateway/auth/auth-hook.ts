/**
 * Access control for every route. /v1 routes admit the roles they declare (a /v1 route without
 * `config.roles` stops start-up, so nothing is open by accident). Inference and metadata admit
 * anonymous callers only on a loopback bind or when configured; a presented key is always
 * checked, and a key bound to a tenant may only reach that tenant's models.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AnonymousInference } from '../../core/config.js';
import { SwitchyardError } from '../../core/errors.js';
import { bearerOf } from '../../core/secrets.js';
import { keyId, keyMatches } from '../../registry/access/api-key.js';
import type { Role } from '../../registry/storage/rows.js';
import type { AccessCache } from './access-cache.js';
import type { Principal } from './principal.js';
import { TenantQuotaGate } from './tenant-quota.js';
import { systemClock, type Clock } from '../../core/clock.js';

export interface AuthOptions {
  readonly cache: AccessCache;
  /** The address the server binds: anonymous inference depends on it. */
  readonly host: string;
  readonly anonymousInference: AnonymousInference;
  /** For tenant quotas. @default systemClock */
  readonly clock?: Clock;
}

/** A route as registered, with the roles it admits (undefined = the default rule below). */
export interface RouteAccess {
  readonly method: string;
  readonly url: string;
  readonly roles: readonly Role[] | undefined;
}

/** Roles of inference when the route declares none. Metadata, health and metrics take any valid key. */
export const INFER_ROLES: readonly Role[] = ['admin', 'invoker'];
const INFER_URL = /\/infer$/;

const routesByApp = new WeakMap<FastifyInstance, RouteAccess[]>();

/** Every route registered on `app` so far, with its declared roles (for the role table test). */
export function declaredRoutes(app: FastifyInstance): readonly RouteAccess[] {
  return routesByApp.get(app) ?? [];
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The key text from `authorization: Bearer <key>` or `x-api-key`; '' when a header is present but unusable. */
function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (header !== undefined) return Array.isArray(header) ? '' : header.trim();
  const authorization = request.headers.authorization;
  if (authorization === undefined) return undefined;
  return bearerOf(authorization) ?? '';
}

function unauthenticated(reply: FastifyReply, why: string): SwitchyardError {
  // RFC 6750: a 401 names the scheme it wants.
  void reply.header('www-authenticate', 'Bearer realm="switchyard"');
  return new SwitchyardError('UNAUTHENTICATED', `${why}; send an API key as 'authorization: Bearer <key>' or 'x-api-key: <key>'`);
}

/** Registers the route check and the request hook; call before any route is added. */
export function registerAuth(app: FastifyInstance, options: AuthOptions): void {
  const routes: RouteAccess[] = [];
  routesByApp.set(app, routes);
  const anonymousAllowed = options.anonymousInference === 'allow' || (options.anonymousInference === 'loopback' && isLoopback(options.host));

  app.decorateRequest('principal', null);
  const quotas = new TenantQuotaGate(options.clock ?? systemClock);
  app.addHook('onRoute', (route) => {
    const roles = route.config?.roles;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (route.url.startsWith('/v1') && (roles === undefined || roles.length === 0)) {
      throw new Error(`route ${methods.join(',')} ${route.url} declares no config.roles: every /v1 route must say which roles may call it`);
    }
    for (const method of methods) routes.push({ method: String(method), url: route.url, roles });
  });

  // A callback hook: an anonymous call (most inference on a loopback bind) is let through
  // without the promise and microtask an async hook costs; a presented key is checked async.
  app.addHook('onRequest', (request, reply, done) => {
    // One read: fastify builds routeOptions afresh on every access.
    const route = request.routeOptions;
    const declared = route.config.roles;
    const url = route.url;
    // Agents' routes carry their own credentials (the join token, then a per-node secret): docs/cluster.md.
    if (url?.startsWith('/internal/')) return done();
    const text = presentedKey(request);
    if (text === undefined) {
      if (declared === undefined && anonymousAllowed) return done();
      return done(unauthenticated(reply, 'this route needs an API key'));
    }
    const required = declared ?? (url !== undefined && INFER_URL.test(url) ? INFER_ROLES : undefined);
    checkKey(request, reply, text, required, url).then(() => done(), done);
  });

  async function checkKey(request: FastifyRequest, reply: FastifyReply, text: string, required: readonly Role[] | undefined, url: string | undefined): Promise<void> {
    const id = keyId(text);
    const row = id === undefined ? undefined : await options.cache.key(id);
    if (!row || !keyMatches(text, row.hash)) throw unauthenticated(reply, 'the API key is not valid');
    if (row.revokedAt !== null) throw unauthenticated(reply, 'the API key was revoked');
    if (required && !row.roles.some((role) => required.includes(role))) {
      throw new SwitchyardError('FORBIDDEN', `this route needs one of the roles ${required.join(', ')}; the key has ${row.roles.join(', ') || 'none'}`);
    }
    const principal: Principal = { keyId: row.id, keyName: row.name, roles: row.roles, tenant: row.tenant };
    request.principal = principal;
    const model = (request.params as { model?: unknown } | undefined)?.model;
    if (row.tenant !== null && typeof model === 'string' && url?.startsWith('/v2/')) {
      const tenant = await options.cache.tenant(row.tenant);
      if (!tenant || !(tenant.allowedModels.includes('*') || tenant.allowedModels.includes(model))) {
        throw new SwitchyardError('FORBIDDEN', `tenant '${row.tenant}' may not use model '${model}'`);
      }
      // Released when the response closes, answered or aborted: only requests holding a slot pay
      // for it (a global onResponse hook ran on every request, anonymous ones too).
      if (url !== undefined && INFER_URL.test(url)) reply.raw.once('close', quotas.admit(row.tenant, tenant.quotas));
    }
  }
}

/** The registry's view of who is calling: the principal the auth hook (gateway/auth) attached. */
import type { FastifyRequest } from 'fastify';
import type { Actor } from '../../registry/service/registry-service.js';
import type { Principal } from '../auth/principal.js';

/** /v1 routes always run behind the auth hook, so a principal is there; without one the caller acts as no one, with no role. */
export function requestActor(request: FastifyRequest): Actor {
  const principal: Principal | null = request.principal;
  return principal ? { keyId: principal.keyId, roles: principal.roles } : { keyId: 'anonymous', roles: [] };
}

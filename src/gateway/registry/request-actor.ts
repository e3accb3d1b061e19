/**
 * The registry's view of who is calling: the principal the auth hook (gateway/auth) attaches
 * to the request. Read structurally, so this file does not depend on how the hook is built;
 * a request without one (no auth hook registered) acts as no one and holds no role.
 */
import type { FastifyRequest } from 'fastify';
import type { Role } from '../../registry/storage/rows.js';
import type { Actor } from '../../registry/service/registry-service.js';

interface WithPrincipal {
  principal?: { keyId: string; roles: readonly Role[] } | null;
}

export function requestActor(request: FastifyRequest): Actor {
  const principal = (request as unknown as WithPrincipal).principal;
  return principal ? { keyId: principal.keyId, roles: principal.roles } : { keyId: 'anonymous', roles: [] };
}

/**
 * Who is calling, as the auth hook found out, and the route option that says who may. Every
 * /v1 route declares `config: { roles: [...] }`; the server refuses to start without it.
 */
import type { Role } from '../../registry/storage/rows.js';

export interface Principal {
  readonly keyId: string;
  /** The key's name, for audit details. */
  readonly keyName?: string;
  readonly roles: readonly Role[];
  readonly tenant: string | null;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles admitted to this route; required under /v1. */
    roles?: readonly Role[];
  }
  interface FastifyRequest {
    /** The authenticated caller; null for anonymous inference. */
    principal: Principal | null;
  }
}

/** The audit actor of a request. */
export function actorOf(principal: Principal | null): string {
  return principal?.keyId ?? 'anonymous';
}

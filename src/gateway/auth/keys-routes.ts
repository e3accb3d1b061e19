/**
 * /v1/keys (admin): create a key (its text is in this one response and nowhere else), list
 * keys (never their hashes), revoke one. Each change is written to the audit log with it.
 */
import type { FastifyInstance } from 'fastify';
import { SwitchyardError } from '../../core/errors.js';
import { generateKey } from '../../registry/access/api-key.js';
import { ROLES, type ApiKeyRow, type Role } from '../../registry/storage/rows.js';
import type { Storage } from '../../registry/storage/storage.js';
import type { AccessCache } from './access-cache.js';
import { invalid, objectBody, optionalName, stringList, unknownFields } from './body-checks.js';
import { actorOf } from './principal.js';

export interface KeyRoutesDeps {
  readonly storage: Storage;
  readonly cache: AccessCache;
}

/** A key as the API shows it. */
export function publicKey(row: ApiKeyRow) {
  return { id: row.id, prefix: row.prefix, name: row.name, roles: row.roles, tenant: row.tenant, created_by: row.createdBy, created_at: row.createdAt, revoked_at: row.revokedAt };
}

/** Creates a key and its audit row in one transaction; returns the row and the key text. */
export async function createKey(storage: Storage, actor: string, request: { name: string; roles: readonly Role[]; tenant: string | null }) {
  const key = generateKey();
  const row = await storage.transaction(async (tx) => {
    const created = await tx.createApiKey({ id: key.id, prefix: key.prefix, hash: key.hash, name: request.name, roles: request.roles, tenant: request.tenant, createdBy: actor });
    await tx.appendAudit([{ actor, action: 'key.create', target: `key/${key.id}`, after: publicKey(created) }]);
    return created;
  });
  return { row, text: key.text };
}

/** Revokes a key and audits it; undefined when no key has the id. */
export async function revokeKey(storage: Storage, actor: string, id: string): Promise<ApiKeyRow | undefined> {
  return storage.transaction(async (tx) => {
    const before = await tx.getApiKey(id);
    if (!before) return undefined;
    if (before.revokedAt !== null) return before;
    const after = await tx.revokeApiKey(id);
    await tx.appendAudit([{ actor, action: 'key.revoke', target: `key/${id}`, before: publicKey(before), after: after ? publicKey(after) : null }]);
    return after;
  });
}

export function registerKeyRoutes(app: FastifyInstance, deps: KeyRoutesDeps): void {
  const { storage, cache } = deps;
  const admin = { roles: ['admin'] as Role[] };

  app.post('/v1/keys', { config: admin }, async (request, reply) => {
    const body = objectBody(request.body);
    unknownFields(body, ['name', 'roles', 'tenant']);
    const roles = stringList(body.roles, 'roles', ROLES) as Role[];
    const name = body.name === undefined ? '' : typeof body.name === 'string' && body.name.length <= 128 ? body.name : undefined;
    if (name === undefined) throw invalid("'name' must be a string of at most 128 characters");
    const tenant = optionalName(body.tenant, 'tenant') ?? null;
    if (tenant !== null && !(await storage.getTenant(tenant))) throw invalid(`tenant '${tenant}' does not exist; create it with PUT /v1/tenants/${tenant}`);
    const { row, text } = await createKey(storage, actorOf(request.principal), { name, roles, tenant });
    return reply.code(201).send({ ...publicKey(row), key: text });
  });

  app.get('/v1/keys', { config: { roles: ['admin'] } }, async () => ({ keys: (await storage.listApiKeys()).map(publicKey) }));

  app.delete<{ Params: { id: string } }>('/v1/keys/:id', { config: admin }, async (request) => {
    const row = /^[0-9a-f]{12}$/.test(request.params.id) ? await revokeKey(storage, actorOf(request.principal), request.params.id) : undefined;
    if (!row) throw new SwitchyardError('KEY_NOT_FOUND', `no API key has id '${request.params.id.slice(0, 64)}'; GET /v1/keys lists them`);
    cache.forgetKey(row.id);
    return publicKey(row);
  });
}

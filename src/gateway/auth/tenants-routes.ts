/** /v1/tenants (admin): tenants with the models their keys may use and their quotas. */
import type { FastifyInstance } from 'fastify';
import type { Role, TenantQuotas, TenantRow } from '../../registry/storage/rows.js';
import type { Storage } from '../../registry/storage/storage.js';
import type { AccessCache } from './access-cache.js';
import { invalid, NAME, objectBody, stringList, unknownFields } from './body-checks.js';
import { actorOf } from './principal.js';

function publicTenant(row: TenantRow) {
  return { name: row.name, allowed_models: row.allowedModels, quotas: { requests_per_second: row.quotas.requestsPerSecond ?? null, max_concurrent: row.quotas.maxConcurrent ?? null }, created_at: row.createdAt };
}

function quotas(value: unknown): TenantQuotas {
  if (value === undefined) return {};
  const body = objectBody(value);
  unknownFields(body, ['requests_per_second', 'max_concurrent']);
  const positive = (v: unknown, field: string, integer: boolean): number | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !(v > 0) || v > 1e9 || (integer && !Number.isInteger(v))) throw invalid(`'quotas.${field}' must be a positive ${integer ? 'integer' : 'number'} up to 1e9`);
    return v;
  };
  const rps = positive(body.requests_per_second, 'requests_per_second', false);
  const concurrent = positive(body.max_concurrent, 'max_concurrent', true);
  return { ...(rps === undefined ? {} : { requestsPerSecond: rps }), ...(concurrent === undefined ? {} : { maxConcurrent: concurrent }) };
}

export function registerTenantRoutes(app: FastifyInstance, deps: { readonly storage: Storage; readonly cache: AccessCache }): void {
  const { storage, cache } = deps;
  const admin = { roles: ['admin'] as Role[] };

  app.put<{ Params: { name: string } }>('/v1/tenants/:name', { config: admin }, async (request) => {
    const { name } = request.params;
    if (!NAME.test(name)) throw invalid('a tenant name is 1-128 letters, digits, ., _ or -');
    const body = objectBody(request.body);
    unknownFields(body, ['allowed_models', 'quotas']);
    const allowedModels = stringList(body.allowed_models, 'allowed_models');
    const tenantQuotas = quotas(body.quotas);
    const row = await storage.transaction(async (tx) => {
      const before = await tx.getTenant(name);
      const after = await tx.putTenant({ name, allowedModels, quotas: tenantQuotas });
      await tx.appendAudit([{ actor: actorOf(request.principal), action: before ? 'tenant.update' : 'tenant.create', target: `tenant/${name}`, before: before ? publicTenant(before) : null, after: publicTenant(after) }]);
      return after;
    });
    cache.forgetTenant(name);
    return publicTenant(row);
  });

  app.get('/v1/tenants', { config: { roles: ['admin', 'viewer'] } }, async () => ({ tenants: (await storage.listTenants()).map(publicTenant) }));
}

/**
 * A fastify app with only the registry routes, the gateway's error mapping and a stand-in for
 * the auth hook: `x-test-key: <key id>:<role>,<role>` becomes the request's principal.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileRegistrySettings } from '../../src/core/registry-config.js';
import { sendError, toSwitchyardError } from '../../src/gateway/error-reply.js';
import { registerRegistryRoutes } from '../../src/gateway/registry/registry-routes.js';
import { ArtifactStore } from '../../src/registry/artifacts/artifact-store.js';
import { RegistryService } from '../../src/registry/service/registry-service.js';
import { openSqliteStorage } from '../../src/registry/storage/sqlite/open-sqlite.js';
import type { Storage } from '../../src/registry/storage/storage.js';
import { silentLogger } from '../../src/telemetry/logger.js';

export interface RegistryApp {
  readonly app: FastifyInstance;
  readonly storage: Storage;
  readonly store: ArtifactStore;
  close(): Promise<void>;
}

export async function startRegistryApp(registry: unknown = { gates: { approvals: [{ role: 'approver', count: 1 }] } }): Promise<RegistryApp> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-registry-api-'));
  const storage = await openSqliteStorage({ path: join(dir, 'switchyard.db'), wallNow: () => 1_800_000_000_000 });
  const store = new ArtifactStore(join(dir, 'artifacts'));
  const problems: string[] = [];
  const service = new RegistryService(storage, store, compileRegistrySettings(registry, problems));
  if (problems.length > 0) throw new Error(problems.join('; '));
  const log = silentLogger();
  const app = Fastify({ bodyLimit: 8 * 1024 * 1024 });
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.setErrorHandler((error, request, reply) => sendError(reply, toSwitchyardError(error, log, { url: request.url })));
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    const header = request.headers['x-test-key'];
    if (typeof header !== 'string') return;
    const [keyId = '', roles = ''] = header.split(':');
    (request as unknown as { principal: unknown }).principal = { keyId, roles: roles.split(',').filter(Boolean), tenant: null };
  });
  registerRegistryRoutes(app, { registry: service, pushBodyLimitBytes: 64 * 1024 * 1024 });
  await app.ready();
  return { app, storage, store, async close() { await app.close(); await storage.close(); } };
}

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EmbeddedServer } from '../../src/main/server.js';
import { scratchRepository } from '../fixtures/onnx-fixtures.js';
import { startTestServer } from '../helpers/server.js';

let server: EmbeddedServer;
before(async () => {
  server = await startTestServer(scratchRepository());
});
after(() => server.close());

/** Every route the server registered, read from fastify's own route tree. */
function registeredRoutes(): { method: string; url: string }[] {
  const out: { method: string; url: string }[] = [];
  const stack: string[] = [];
  for (const line of server.app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)[├└]── (\S+) \(([A-Z, ]+)\)$/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    stack.length = depth;
    stack.push(match[2] ?? '');
    for (const method of (match[3] ?? '').split(', ')) if (method !== 'HEAD') out.push({ method, url: stack.join('') });
  }
  return out;
}

test('/docs/openapi.json is OpenAPI 3.1 and lists every registered /v1 and /v2 route with its roles', async () => {
  const response = await server.app.inject({ method: 'GET', url: '/docs/openapi.json' });
  assert.equal(response.statusCode, 200);
  const doc = response.json<{ openapi: string; paths: Record<string, Record<string, { 'x-roles'?: string[]; summary: string; requestBody?: unknown }>> }>();
  assert.equal(doc.openapi, '3.1.0');
  const routes = registeredRoutes().filter((r) => r.url.startsWith('/v1') || r.url.startsWith('/v2'));
  assert.ok(routes.filter((r) => r.url.startsWith('/v1')).length >= 7, JSON.stringify(routes));
  // The registry's own operations carry real summaries and body schemas.
  const push = doc.paths['/v1/models/{name}/versions/{version}']?.post;
  assert.match(push?.summary ?? '', /Push an immutable version/);
  assert.ok(push?.requestBody);
  for (const route of routes) {
    const path = route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const operation = doc.paths[path]?.[route.method.toLowerCase()];
    assert.ok(operation, `${route.method} ${route.url} is missing from the OpenAPI document`);
    if (route.url.startsWith('/v1')) assert.ok((operation['x-roles'] ?? []).length > 0, `${route.method} ${route.url} documents no roles`);
    assert.ok(operation.summary.length > 0);
  }
  const page = await server.app.inject({ method: 'GET', url: '/docs' });
  assert.equal(page.statusCode, 200);
  assert.match(String(page.headers['content-type']), /text\/html/);
  assert.match(page.body, /openapi\.json/);
});

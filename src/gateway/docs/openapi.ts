/**
 * The OpenAPI 3.1 document at /docs/openapi.json, built from the routes as registered: every
 * route appears (nothing to forget), with the roles it admits (`x-roles`) and, where the route
 * declares `config.openapi`, its summary and request body schema. Hand-kept notes for the
 * routes that declare nothing (the OIP /v2 surface) live below.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';
import { ERROR_CATALOGUE } from '../../core/errors.js';

export interface RouteDoc {
  readonly summary?: string;
  readonly description?: string;
  /** JSON Schema of the JSON request body. */
  readonly body?: object;
  /** Success status. @default 200 */
  readonly status?: number;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** How the route appears in the OpenAPI document (summary, body schema). */
    openapi?: RouteDoc;
  }
}

interface TrackedRoute {
  readonly method: string;
  readonly url: string;
  readonly roles: readonly string[] | undefined;
  readonly doc: RouteDoc | undefined;
}

/** Notes for routes that carry no `config.openapi` of their own. */
const KNOWN: Record<string, string> = {
  'GET /v2': 'Server metadata (Open Inference Protocol)',
  'GET /v2/health/live': 'Liveness',
  'GET /v2/health/ready': 'Readiness: the repository is loaded',
  'GET /v2/models/:model': 'Model metadata (newest ready version)',
  'GET /v2/models/:model/ready': 'Model readiness',
  'GET /v2/models/:model/versions/:version': 'Model version metadata',
  'GET /v2/models/:model/versions/:version/ready': 'Model version readiness',
  'POST /v2/models/:model/infer': 'Inference (JSON or binary tensor data)',
  'POST /v2/models/:model/versions/:version/infer': 'Inference on one version',
  'POST /v2/repository/index': 'Every model version with its state and reason',
  'GET /metrics': 'Prometheus metrics',
  'POST /v1/keys': 'Create an API key (its text is shown once)',
  'GET /v1/keys': 'List API keys (never their text)',
  'DELETE /v1/keys/:id': 'Revoke an API key',
  'PUT /v1/tenants/:name': 'Create or replace a tenant (allowed models, quotas)',
  'GET /v1/tenants': 'List tenants',
  'GET /v1/audit': 'A page of the hash-chained audit log',
  'GET /v1/audit/head': 'The audit chain head (seq and hash), for later verification',
  'GET /docs': 'This API description as a page',
  'GET /docs/openapi.json': 'This API description (OpenAPI 3.1)',
};

/** Starts recording routes; call before any route is registered. */
export function trackRoutes(app: FastifyInstance): TrackedRoute[] {
  const routes: TrackedRoute[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const config = (route.config ?? {}) as { roles?: readonly string[]; openapi?: RouteDoc };
    for (const method of methods) {
      if (method === 'HEAD' || route.url === '*') continue;
      routes.push({ method: String(method), url: route.url, roles: config.roles, doc: config.openapi });
    }
  });
  return routes;
}

/** `/v1/models/:name` → `/v1/models/{name}` and the names of its path parameters. */
function openApiPath(url: string): { path: string; params: string[] } {
  const params: string[] = [];
  const path = url.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => {
    params.push(name);
    return `{${name}}`;
  });
  return { path, params };
}

const ERROR_SCHEMA = {
  type: 'object',
  required: ['error', 'code', 'retryable'],
  properties: { error: { type: 'string' }, code: { enum: Object.keys(ERROR_CATALOGUE) }, retryable: { type: 'boolean' } },
};

export function buildOpenApi(routes: readonly TrackedRoute[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of [...routes].sort((a, b) => a.url.localeCompare(b.url) || a.method.localeCompare(b.method))) {
    const { path, params } = openApiPath(route.url);
    const doc = route.doc;
    const operation: Record<string, unknown> = {
      summary: doc?.summary ?? KNOWN[`${route.method} ${route.url}`] ?? `${route.method} ${route.url}`,
      ...(doc?.description ? { description: doc.description } : {}),
      ...(params.length > 0 ? { parameters: params.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })) } : {}),
      ...(doc?.body ? { requestBody: { required: true, content: { 'application/json': { schema: doc.body } } } } : {}),
      ...(route.roles ? { 'x-roles': route.roles, security: [{ apiKey: [] }, { bearer: [] }] } : {}),
      responses: {
        [String(doc?.status ?? 200)]: { description: 'Success' },
        default: { description: 'An error from the catalogue (docs/errors.md)', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
    };
    (paths[path] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Switchyard', version, description: 'Open Inference Protocol (/v2) and the admin API (/v1). Every /v1 operation lists the roles it admits in x-roles.' },
    paths,
    components: {
      schemas: { Error: ERROR_SCHEMA },
      securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' }, bearer: { type: 'http', scheme: 'bearer' } },
    },
  };
}

const PAGE = (version: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Switchyard API</title>
<style>body{font:14px/1.5 system-ui,sans-serif;margin:2rem;max-width:60rem}code{background:#f3f3f3;padding:0 .2em}td{padding:.2em .6em;border-bottom:1px solid #ddd;vertical-align:top}</style></head>
<body><h1>Switchyard API ${version}</h1><p>The machine-readable description: <a href="/docs/openapi.json">/docs/openapi.json</a> (OpenAPI 3.1).</p>
<table id="ops"><tr><th>method</th><th>path</th><th>roles</th><th>summary</th></tr></table>
<script>
fetch('/docs/openapi.json').then(r => r.json()).then(doc => {
  const table = document.getElementById('ops');
  for (const [path, ops] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(ops)) {
    const row = table.insertRow();
    for (const text of [method.toUpperCase(), path, (op['x-roles'] || []).join(', '), op.summary]) row.insertCell().textContent = text;
  }
});
</script></body></html>
`;

/** Serves the document and the page; both list every route registered on `app` by then. */
export function registerDocsRoutes(app: FastifyInstance, routes: readonly TrackedRoute[], version: string): void {
  let cached: string | undefined;
  app.get('/docs/openapi.json', async (_request, reply) => reply.type('application/json').send((cached ??= JSON.stringify(buildOpenApi(routes, version)))));
  app.get('/docs', async (_request, reply) => reply.type('text/html; charset=utf-8').send(PAGE(version)));
}

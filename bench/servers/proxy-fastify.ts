/**
 * A reference for the `upstream` benchmark: fastify parsing the JSON body and answering with
 * JSON, forwarding over an undici pool — the framework and client Switchyard is built on, with
 * none of its features (no validation, scheduling, metadata, metrics or audit).
 *
 *   node --import tsx bench/servers/proxy-fastify.ts UPSTREAM_ORIGIN  -> prints {"port":N}
 */
import Fastify from 'fastify';
import { Pool } from 'undici';
import { announceAndServe } from './lifecycle.js';

const origin = process.argv[2] ?? '';
const pool = new Pool(origin, { connections: 32, pipelining: 1 });
const app = Fastify({ logger: false });

app.post<{ Params: { model: string }; Body: unknown }>('/v2/models/:model/infer', async (request, reply) => {
  const answer = await pool.request({ method: 'POST', path: request.url, headers: { 'content-type': 'application/json' }, body: JSON.stringify(request.body) });
  const body = await answer.body.json();
  return reply.code(answer.statusCode).send(body);
});

await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
if (address === null || typeof address === 'string') throw new Error('not listening on TCP');
announceAndServe(address.port, async () => {
  await app.close();
  await pool.close();
});

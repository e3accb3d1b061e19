/**
 * The floor of the `upstream` benchmark: a plain node:http reverse proxy. Every request is
 * forwarded as it is (method, path, body bytes, content-type) to the upstream over a
 * keep-alive agent sized to the load, and the answer's status, content-type and bytes come
 * back. No parsing, validation, scheduling, metadata or metrics.
 *
 *   node --import tsx bench/servers/proxy-floor.ts UPSTREAM_ORIGIN  -> prints {"port":N}
 */
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { announceAndServe } from './lifecycle.js';

const origin = new URL(process.argv[2] ?? '');
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function handle(req: IncomingMessage, res: ServerResponse): void {
  const upstream = request(
    { host: origin.hostname, port: origin.port, method: req.method, path: req.url, agent, headers: { 'content-type': req.headers['content-type'] ?? 'application/json', 'content-length': req.headers['content-length'] ?? '0' } },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, { 'content-type': answer.headers['content-type'] ?? 'application/json', ...(answer.headers['content-length'] ? { 'content-length': answer.headers['content-length'] } : {}) });
      answer.pipe(res);
    },
  );
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
    res.end('{"error":"upstream unavailable"}');
  });
  req.pipe(upstream);
}

const server = createServer({ keepAliveTimeout: 60_000 }, handle);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
announceAndServe((server.address() as AddressInfo).port, async () => {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  agent.destroy();
});

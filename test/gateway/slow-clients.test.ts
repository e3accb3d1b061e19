/**
 * Slow clients over a real socket, with small configured limits so the tests run fast. Each
 * test waits for the server's own answer and close, never for a fixed time. Before, headers
 * dribbled in were held 72 s and a slow body was never closed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { adminHeaders, DEMO_REPOSITORY, startTestServer } from '../helpers/server.js';
import type { EmbeddedServer } from '../../src/main/server.js';

let server: EmbeddedServer;
let port: number;

before(async () => {
  server = await startTestServer(DEMO_REPOSITORY, {
    'http.headers_timeout_ms': 200,
    'http.request_timeout_ms': 300,
    'http.upload_timeout_ms': 60_000,
    'http.keep_alive_timeout_ms': 200,
  });
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  port = (server.app.server.address() as { port: number }).port;
});
after(() => server.close());

/** Opens a socket, writes `text`, and resolves with everything received once the server closes it. */
async function untilClosed(text: string, onOpen?: (socket: Socket) => void): Promise<{ received: string; ms: number }> {
  const socket = connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  const started = performance.now();
  let received = '';
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
  });
  socket.on('error', () => undefined);
  socket.write(text);
  onOpen?.(socket);
  await once(socket, 'close');
  return { received, ms: performance.now() - started };
}

test('headers that never finish get a 408 and a closed connection after http.headers_timeout_ms', async () => {
  const { received, ms } = await untilClosed('POST /v2/models/identity/infer HTTP/1.1\r\nhost: x\r\nx-slow: ');
  assert.match(received, /^HTTP\/1\.1 408/);
  assert.ok(ms < 5000, `closed after ${Math.round(ms)} ms`);
});

test('a body that never finishes gets 408 REQUEST_TIMEOUT after http.request_timeout_ms', async () => {
  const head = 'POST /v2/models/identity/infer HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"inputs": [';
  const { received, ms } = await untilClosed(head);
  assert.match(received, /^HTTP\/1\.1 408/);
  assert.match(received, /"code":"REQUEST_TIMEOUT"/);
  assert.ok(ms >= 250 && ms < 5000, `closed after ${Math.round(ms)} ms`);
});

test('an idle keep-alive connection is closed after http.keep_alive_timeout_ms', async () => {
  const { received, ms } = await untilClosed('GET /v2/health/live HTTP/1.1\r\nhost: x\r\n\r\n');
  assert.match(received, /^HTTP\/1\.1 200/);
  assert.ok(ms < 5000, `closed after ${Math.round(ms)} ms`);
});

test('a registry push is held to the longer upload limit, not the request limit', async () => {
  let closedEarly = false;
  const socket = connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  socket.on('error', () => undefined);
  socket.on('close', () => {
    closedEarly = true;
  });
  let answered = '';
  socket.on('data', (chunk: Buffer) => {
    answered += chunk.toString('latin1');
  });
  const key = adminHeaders(server).authorization ?? '';
  socket.write(`POST /v1/models/slow/versions/1 HTTP/1.1\r\nhost: x\r\nauthorization: ${key}\r\ncontent-type: application/octet-stream\r\ncontent-length: 1000\r\n\r\nabc`);
  // A request that opens after the push and times out proves the sweep ran past the push's deadline.
  const other = await untilClosed('POST /v2/models/identity/infer HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 10\r\n\r\n{');
  assert.match(other.received, /^HTTP\/1\.1 408/);
  assert.equal(closedEarly, false);
  assert.equal(answered, '', 'the push is still being received, not answered');
  socket.destroy();
});

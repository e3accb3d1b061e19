/**
 * Success and error answers of the infer route carry the same common headers. A success answer
 * is written by hand on the hijacked reply (infer-route.ts sendAnswer) and skips fastify's
 * onSend hooks; an error goes through reply.send. A header added to every answer by a hook
 * (CORS, a security header) would reach the errors only: this test catches that.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EmbeddedServer } from '../../src/main/server.js';
import { DEMO_REPOSITORY, startTestServer } from '../helpers/server.js';

let server: EmbeddedServer;
before(async () => {
  server = await startTestServer(DEMO_REPOSITORY);
});
after(() => server.close());

/** What every infer answer has, success or error (docs/api.md: traceparent on every answer of the route). */
const COMMON = ['traceparent', 'content-type', 'content-length', 'date'];
/** Headers an error may have that a success never does. */
const ERROR_ONLY = new Set(['retry-after']);

const input = (data: number[]) => ({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, data.length], data }] });
const big = Array.from({ length: 512 }, (_, i) => i * 1.37);

async function answer(name: string, payload: unknown, headers: Record<string, string> = {}, url = '/v2/models/identity/infer') {
  const response = await server.app.inject({ method: 'POST', url, payload: payload as object, headers });
  return { name, status: response.statusCode, headers: response.headers };
}

test('every header an error answer carries, a success answer carries too', async () => {
  const successes = [await answer('json', input([1, 2])), await answer('gzip', input(big), { 'accept-encoding': 'gzip' })];
  const errors = [
    await answer('400 in the body', { inputs: [] }),
    await answer('404 unknown model', input([1, 2]), {}, '/v2/models/nope/infer'),
    await answer('503 refused from the headers', input([1, 2]), { 'x-switchyard-deadline-ms': '0.001' }),
  ];
  for (const s of successes) assert.equal(s.status, 200, s.name);
  assert.deepEqual(errors.map((e) => e.status), [400, 404, 503]);
  assert.ok(successes[1]?.headers['content-encoding'] === 'gzip', 'the large answer went compressed');
  for (const a of [...successes, ...errors]) {
    for (const name of COMMON) assert.ok(a.headers[name] !== undefined, `${a.name} answer has ${name}`);
    assert.match(String(a.headers['content-type']), /^application\/json\b/, `${a.name} answer is JSON`);
    assert.match(String(a.headers.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/, `${a.name} traceparent`);
  }
  for (const e of errors) {
    for (const name of Object.keys(e.headers)) {
      if (ERROR_ONLY.has(name)) continue;
      for (const s of successes) assert.ok(s.headers[name] !== undefined, `${e.name} carries '${name}', the ${s.name} success answer does not`);
    }
  }
});

test('a caller\'s trace id comes back on success and error alike', async () => {
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  for (const a of [await answer('success', input([1, 2]), { traceparent }), await answer('error', { inputs: [] }, { traceparent })]) {
    assert.match(String(a.headers.traceparent), /^00-4bf92f3577b34da6a3ce929d0e0e4736-(?!00f067aa0ba902b7)[0-9a-f]{16}-01$/, a.name);
  }
});

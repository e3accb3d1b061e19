/**
 * Compressed request bodies are inflated under body_limit_bytes (a small bomb is a 413, never a
 * large allocation), and Accept-Encoding is read with its weights.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import type { EmbeddedServer } from '../../src/main/server.js';
import { acceptedCoding } from '../../src/gateway/body/content-encoding.js';
import { smallModelRepository } from '../fixtures/small-model.js';
import { startTestServer } from '../helpers/server.js';

let server: EmbeddedServer;
before(async () => {
  server = await startTestServer(smallModelRepository(), { body_limit_bytes: 65536 });
});
after(() => server.close());

const body = JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 8], data: [1, 2, 3, 4, 5, 6, 7, 8] }] });

test('Accept-Encoding: weights, order and codings we do not write', () => {
  assert.equal(acceptedCoding(undefined), undefined);
  assert.equal(acceptedCoding('gzip'), 'gzip');
  assert.equal(acceptedCoding('deflate'), 'deflate');
  assert.equal(acceptedCoding('deflate, gzip'), 'gzip');
  assert.equal(acceptedCoding('gzip;q=0.5, deflate;q=0.8'), 'deflate');
  assert.equal(acceptedCoding('gzip;q=0, deflate'), 'deflate');
  assert.equal(acceptedCoding('br'), undefined);
  assert.equal(acceptedCoding('identity'), undefined);
  assert.equal(acceptedCoding('*'), 'gzip');
});

test('gzip and deflate request bodies are inflated; identity passes', async () => {
  for (const [coding, packed] of [['gzip', zlib.gzipSync(body)], ['deflate', zlib.deflateSync(body)], ['identity', Buffer.from(body)]] as const) {
    const response = await server.app.inject({ method: 'POST', url: '/v2/models/small/infer', headers: { 'content-type': 'application/json', 'content-encoding': coding }, payload: packed });
    assert.equal(response.statusCode, 200, `${coding}: ${response.body}`);
  }
});

test('a small gzip body that inflates past body_limit_bytes is a 413, read no further than the limit', async () => {
  const bomb = zlib.gzipSync(Buffer.alloc(16 * 1024 * 1024, 0x20));
  assert.ok(bomb.length < 32 * 1024, 'the compressed body is well under the limit');
  const response = await server.app.inject({ method: 'POST', url: '/v2/models/small/infer', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, payload: bomb });
  assert.equal(response.statusCode, 413);
  assert.equal(response.json<{ code: string }>().code, 'BODY_TOO_LARGE');
  const after = await server.app.inject({ method: 'POST', url: '/v2/models/small/infer', payload: JSON.parse(body) as object });
  assert.equal(after.statusCode, 200);
});

/**
 * A 1 MiB gzip that inflates to 1 GiB, pushed with a deployer's rights: refused 413 with a
 * catalogue code within a second or so and without the server holding its expansion (before:
 * accepted for inflation, 22 s, 3.4 GB of memory, inference blocked). Concurrent pushes beyond
 * registry.ingest.max_concurrent_uploads are refused 503 UPLOADS_BUSY with Retry-After.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { adminHeaders, DEMO_REPOSITORY, startTestServer } from '../helpers/server.js';
import { gzipBomb } from '../fixtures/gzip-bomb.js';
import { readTarArchive } from '../../src/registry/ingest/tar-reader.js';
import { DEFAULT_INGEST_LIMITS } from '../../src/registry/ingest/limits.js';
import { isSwitchyardError } from '../../src/core/errors.js';
import type { EmbeddedServer } from '../../src/main/server.js';

const contract = { inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 4] }], max_batch_size: 4 };
const metadata = Buffer.from(JSON.stringify({ contract })).toString('base64url');
const GIB_BOMB = gzipBomb(1024);

let server: EmbeddedServer;
before(async () => {
  server = await startTestServer(DEMO_REPOSITORY, { 'registry.ingest.max_concurrent_uploads': 1 });
});
after(() => server.close());

const push = (version: string, payload: Buffer | Readable, length?: number) =>
  server.app.inject({
    method: 'POST',
    url: `/v1/models/bomb/versions/${version}`,
    headers: { ...adminHeaders(server), 'content-type': 'application/octet-stream', 'x-switchyard-metadata': metadata, ...(length === undefined ? {} : { 'content-length': String(length) }) },
    payload,
  });

test('a 1 MiB gzip inflating to 1 GiB is 413 ARTIFACT_TOO_LARGE, fast and without holding its expansion', async () => {
  assert.ok(GIB_BOMB.byteLength < 2 * 1024 * 1024, `the bomb is ${GIB_BOMB.byteLength} bytes`);
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  const response = await push('1', GIB_BOMB);
  const ms = performance.now() - started;
  const grown = process.memoryUsage().rss - rssBefore;
  assert.equal(response.statusCode, 413, response.body);
  assert.equal(response.json<{ code: string }>().code, 'ARTIFACT_TOO_LARGE');
  assert.match(response.json<{ error: string }>().error, /max_inflate_ratio/);
  assert.ok(ms < 3000, `refused after ${Math.round(ms)} ms`);
  assert.ok(grown < 256 * 1024 * 1024, `the server grew by ${Math.round(grown / 1048576)} MiB`);
});

test('inflation stops at the total limit where no header announces the bytes and the ratio would allow more', async () => {
  const limits = { ...DEFAULT_INGEST_LIMITS, maxTotalBytes: 8 * 1024 * 1024, maxInflateRatio: 100_000 };
  const started = performance.now();
  await assert.rejects(readTarArchive(gzipBomb(256, 'model.onnx', 0), limits), (error: unknown) => isSwitchyardError(error) && error.code === 'ARTIFACT_TOO_LARGE' && /max_total_bytes/.test(error.message));
  assert.ok(performance.now() - started < 2000);
});

test('a push beyond registry.ingest.max_concurrent_uploads is 503 UPLOADS_BUSY with Retry-After; the slot frees when the first ends', async () => {
  // The first push's body is asked for only after its hooks ran, so it holds its slot from then on.
  let bodyWanted: () => void = () => undefined;
  const holding = new Promise<void>((resolve) => {
    bodyWanted = resolve;
  });
  const slow = new Readable({ read: () => bodyWanted() });
  const first = push('2', slow, 100);
  await holding;
  const second = await push('3', Buffer.alloc(10));
  assert.equal(second.statusCode, 503, second.body);
  assert.equal(second.json<{ code: string }>().code, 'UPLOADS_BUSY');
  assert.equal(second.headers['retry-after'], '5');
  slow.push(Buffer.alloc(100));
  slow.push(null);
  assert.notEqual((await first).statusCode, 503);
  const third = await push('4', Buffer.alloc(10));
  assert.notEqual(third.statusCode, 503, third.body);
});

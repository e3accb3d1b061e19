/**
 * Issue 16 defect 4: JSON nested 100,000 levels deep answered 500 (a recursive reader after the
 * parser overflowed its stack), and a 3,000-level value was stored. Every route's parser now
 * refuses nesting past max_json_depth with 400 JSON_TOO_DEEP; the check is a property-tested
 * scan that runs in full only when a body holds more brackets than the limit.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { EmbeddedServer } from '../../src/main/server.js';
import { nestsDeeperThan } from '../../src/gateway/body/json-depth.js';
import { smallModelRepository } from '../fixtures/small-model.js';
import { adminHeaders, startTestServer } from '../helpers/server.js';
import { matmulChain } from '../fixtures/onnx-fixtures.js';

let server: EmbeddedServer;
before(async () => {
  server = await startTestServer(smallModelRepository());
});
after(() => server.close());

const nested = (depth: number, leaf = '1'): string => `${'['.repeat(depth)}${leaf}${']'.repeat(depth)}`;
const contract = { inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 4] }], max_batch_size: 4 };
const artifact = { base64: Buffer.from(matmulChain(4, 1)).toString('base64'), file_name: 'model.onnx' };

function depthOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  return 1 + Math.max(0, ...Object.values(value).map(depthOf));
}

test('nestsDeeperThan agrees with the depth of the parsed value, strings with brackets and escapes included', () => {
  const leaf = fc.oneof(fc.integer(), fc.string({ unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', 'a') }), fc.constant(null));
  const value = fc.letrec((tie) => ({ node: fc.oneof({ depthSize: 'small', maxDepth: 12 }, leaf, fc.array(tie('node'), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 3 }), tie('node'), { maxKeys: 3 })) })).node;
  fc.assert(
    fc.property(value, fc.integer({ min: 0, max: 10 }), (v, max) => {
      const text = JSON.stringify(v);
      assert.equal(nestsDeeperThan(text, max), depthOf(v) > max, text);
    }),
    { numRuns: 2000 },
  );
  assert.equal(nestsDeeperThan(nested(100_000), 64), true);
  assert.equal(nestsDeeperThan(nested(64), 64), false);
  assert.equal(nestsDeeperThan(`["${'['.repeat(500)}"]`, 64), false);
});

test('a model push nested 100,000 levels deep is a 400 JSON_TOO_DEEP, not a 500', async () => {
  const payload = `{"contract":${JSON.stringify(contract)},"lineage":{"deep":${nested(100_000)}},"artifact":${JSON.stringify(artifact)}}`;
  const response = await server.app.inject({ method: 'POST', url: '/v1/models/deep/versions/1', headers: { ...adminHeaders(server), 'content-type': 'application/json' }, payload });
  assert.equal(response.statusCode, 400, response.body);
  assert.equal(response.json<{ code: string }>().code, 'JSON_TOO_DEEP');
  // A contract parameter schema 3,000 levels deep is refused the same way and nothing is stored.
  const schema = `{"contract":{"inputs":${JSON.stringify(contract.inputs)},"outputs":${JSON.stringify(contract.outputs)},"max_batch_size":4,"parameters":${'{"properties":{"a":'.repeat(3000)}{}${'}}'.repeat(3000)}},"artifact":${JSON.stringify(artifact)}}`;
  const deepSchema = await server.app.inject({ method: 'POST', url: '/v1/models/deep/versions/1', headers: { ...adminHeaders(server), 'content-type': 'application/json' }, payload: schema });
  assert.equal(deepSchema.statusCode, 400, deepSchema.body);
  assert.equal(deepSchema.json<{ code: string }>().code, 'JSON_TOO_DEEP');
  const listed = await server.app.inject({ method: 'GET', url: '/v1/models', headers: adminHeaders(server) });
  assert.deepEqual(listed.json<{ models: { name: string }[] }>().models.filter((m) => m.name === 'deep'), []);
});

test('a 3,000-level value in the octet-stream push metadata header is refused before it can be stored', async () => {
  const metadata = Buffer.from(`{"contract":${JSON.stringify(contract)},"lineage":{"deep":${nested(3000)}}}`).toString('base64url');
  const response = await server.app.inject({
    method: 'POST',
    url: '/v1/models/deep-header/versions/1',
    headers: { ...adminHeaders(server), 'content-type': 'application/octet-stream', 'x-switchyard-metadata': metadata, 'x-switchyard-file-name': 'model.onnx' },
    payload: Buffer.from(matmulChain(4, 1)),
  });
  assert.equal(response.statusCode, 400, response.body);
  assert.equal(response.json<{ code: string }>().code, 'JSON_TOO_DEEP');
});

test('deep JSON is refused on every route: inference (JSON and the binary JSON part), keys', async () => {
  const infer = await server.app.inject({ method: 'POST', url: '/v2/models/small/infer', headers: { 'content-type': 'application/json' }, payload: `{"inputs":[],"parameters":{"x":${nested(100_000)}}}` });
  assert.equal(infer.statusCode, 400);
  assert.equal(infer.json<{ code: string }>().code, 'JSON_TOO_DEEP');
  const head = Buffer.from(`{"inputs":[],"parameters":{"x":${nested(200)}}}`);
  const binary = await server.app.inject({ method: 'POST', url: '/v2/models/small/infer', headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(head.length) }, payload: head });
  assert.equal(binary.json<{ code: string }>().code, 'JSON_TOO_DEEP');
  const keys = await server.app.inject({ method: 'POST', url: '/v1/keys', headers: { ...adminHeaders(server), 'content-type': 'application/json' }, payload: `{"roles":${nested(1000, '"admin"')}}` });
  assert.equal(keys.statusCode, 400);
  assert.equal(keys.json<{ code: string }>().code, 'JSON_TOO_DEEP');
});

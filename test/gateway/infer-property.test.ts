import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { EmbeddedServer } from '../../src/main/server.js';
import { ALL_DATATYPES, allTypesConfig, allTypesIdentity, digestOf, writeVersion } from '../fixtures/onnx-fixtures.js';
import { smallModelRepository } from '../fixtures/small-model.js';
import { startTestServer } from '../helpers/server.js';

let server: EmbeddedServer;
before(async () => {
  const root = smallModelRepository();
  const bytes = allTypesIdentity(ALL_DATATYPES);
  writeVersion(root, 'all-types', '1', { 'model.onnx': bytes, 'model.yaml': allTypesConfig(digestOf(bytes)) });
  server = await startTestServer(root, { body_limit_bytes: 65536, max_tensor_elements: 4096 });
});
after(() => server.close());

const scalar = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(0, -1, 1, 255, 256, 65504, 65505, 2 ** 31, 2 ** 53, -(2 ** 63), 1e39, -1e39, 5e-324),
  fc.boolean(),
  fc.string({ maxLength: 8 }),
  fc.constant(null),
);
const data = fc.oneof(
  fc.array(scalar, { maxLength: 40 }),
  fc.array(fc.array(scalar, { maxLength: 10 }), { maxLength: 6 }),
  fc.array(fc.array(fc.array(scalar, { maxLength: 4 }), { maxLength: 4 }), { maxLength: 4 }),
  fc.jsonValue(),
);
const dimension = fc.oneof(fc.integer({ min: -3, max: 12 }), fc.constantFrom(0, 1e12, 2 ** 31, 1.5, -0, Number.MAX_SAFE_INTEGER), fc.string({ maxLength: 3 }));
const shape = fc.oneof(fc.array(dimension, { maxLength: 5 }), fc.jsonValue());
const name = fc.oneof(fc.constantFrom('x', 'y', '__proto__', 'constructor', ...ALL_DATATYPES.map((dt) => `in_${dt}`)), fc.string({ maxLength: 6 }));
const datatype = fc.oneof(fc.constantFrom(...ALL_DATATYPES, 'BF16', 'FLOAT', ''), fc.string({ maxLength: 5 }), fc.integer());
const input = fc.record(
  { name, datatype, shape, data, parameters: fc.oneof(fc.constant(undefined), fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 1 })), fc.jsonValue({ maxDepth: 1 })) },
  { requiredKeys: [] },
);
const body = fc.oneof(
  fc.record(
    {
      id: fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.constant(null)),
      parameters: fc.jsonValue({ maxDepth: 2 }),
      inputs: fc.oneof(fc.array(input, { maxLength: 4 }), fc.jsonValue({ maxDepth: 2 })),
      outputs: fc.oneof(fc.array(fc.record({ name }), { maxLength: 3 }), fc.jsonValue({ maxDepth: 2 })),
    },
    { requiredKeys: [] },
  ),
  fc.jsonValue({ maxDepth: 3 }),
);
const rawText = fc.oneof(body.map((b) => JSON.stringify(b) ?? 'null'), fc.string({ maxLength: 60 }), body.map((b) => (JSON.stringify(b) ?? '').slice(0, 15)));

test('thousands of generated bodies never get a 5xx and always get a catalogue error or a result', async () => {
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(rawText, fc.constantFrom('small', 'all-types'), async (payload, model) => {
      const response = await server.app.inject({ method: 'POST', url: `/v2/models/${model}/infer`, payload, headers: { 'content-type': 'application/json' } });
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
      assert.ok(response.statusCode < 500, `${response.statusCode} for ${payload}: ${response.body}`);
      const parsed = response.json<{ code?: string; error?: string; outputs?: unknown[] }>();
      if (response.statusCode === 200) assert.ok(Array.isArray(parsed.outputs));
      else assert.ok(typeof parsed.code === 'string' && typeof parsed.error === 'string', response.body);
    }),
    { numRuns: 4000 },
  );
  assert.ok((statuses.get(400) ?? 0) > 1000, `mostly refusals expected: ${JSON.stringify([...statuses])}`);
});

test('valid requests with random shapes and values get correct results', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.array(fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), { minLength: 32, maxLength: 32 }), async (rows, values) => {
      const flat = values.slice(0, rows * 8);
      const response = await server.app.inject({
        method: 'POST',
        url: '/v2/models/small/infer',
        payload: { inputs: [{ name: 'x', datatype: 'FP32', shape: [rows, 8], data: flat }] },
      });
      assert.equal(response.statusCode, 200, response.body);
      const out = response.json<{ outputs: { shape: number[]; data: number[] }[] }>().outputs[0]!;
      assert.deepEqual(out.shape, [rows, 8]);
      assert.equal(out.data.length, rows * 8);
      assert.equal(response.headers['x-switchyard-batch-size'], String(rows));
    }),
    { numRuns: 200 },
  );
});

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EmbeddedServer } from '../../src/main/server.js';
import { ALL_DATATYPES, allTypesConfig, allTypesIdentity, digestOf, scratchRepository, writeVersion } from '../fixtures/onnx-fixtures.js';
import { startTestServer } from '../helpers/server.js';

let server: EmbeddedServer;

before(async () => {
  const root = scratchRepository();
  const bytes = allTypesIdentity(ALL_DATATYPES);
  writeVersion(root, 'all-types', '1', { 'model.onnx': bytes, 'model.yaml': allTypesConfig(digestOf(bytes)) });
  server = await startTestServer(root);
});
after(() => server.close());

const VALUES: Record<string, unknown[]> = {
  BOOL: [true, false, true],
  UINT8: [0, 128, 255],
  UINT16: [0, 1, 65535],
  UINT32: [0, 7, 4294967295],
  UINT64: [0, 1, Number.MAX_SAFE_INTEGER],
  INT8: [-128, 0, 127],
  INT16: [-32768, 5, 32767],
  INT32: [-2147483648, 9, 2147483647],
  INT64: [Number.MIN_SAFE_INTEGER, -1, Number.MAX_SAFE_INTEGER],
  FP16: [1, -2.5, 65504],
  FP32: [0.5, -1.25, 3.0e38],
  FP64: [Math.PI, -1e300, 5e-324],
  BYTES: ['caf\u00e9', '', 'three'],
};

function request(nested: boolean): object {
  return {
    id: 'dtype-round-trip',
    inputs: ALL_DATATYPES.map((dt) => ({ name: `in_${dt}`, datatype: dt, shape: [1, 3], data: nested ? [VALUES[dt]] : VALUES[dt] })),
  };
}

for (const nested of [false, true]) {
  test(`every OIP datatype round-trips exactly through ONNX Runtime (${nested ? 'nested' : 'flat'} data)`, async () => {
    const response = await server.app.inject({ method: 'POST', url: '/v2/models/all-types/infer', payload: request(nested) });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json<{ id: string; outputs: { name: string; datatype: string; shape: number[]; data: unknown[] }[] }>();
    assert.equal(body.id, 'dtype-round-trip');
    assert.equal(body.outputs.length, ALL_DATATYPES.length);
    for (const dt of ALL_DATATYPES) {
      const output = body.outputs.find((o) => o.name === `out_${dt}`);
      assert.ok(output, `out_${dt} missing`);
      assert.equal(output.datatype, dt);
      assert.deepEqual(output.shape, [1, 3]);
      const expected = dt === 'FP32' ? VALUES.FP32!.map((v) => Math.fround(v as number)) : VALUES[dt];
      assert.deepEqual(output.data, expected, dt);
    }
  });
}

test('values out of a datatype range are refused, not wrapped', async () => {
  const cases: [string, unknown, string][] = [
    ['UINT8', 256, 'INPUT_VALUE_OUT_OF_RANGE'],
    ['INT8', -129, 'INPUT_VALUE_OUT_OF_RANGE'],
    ['UINT32', -1, 'INPUT_VALUE_OUT_OF_RANGE'],
    ['INT64', 2 ** 60, 'INPUT_VALUE_OUT_OF_RANGE'],
    ['FP16', 70000, 'INPUT_VALUE_OUT_OF_RANGE'],
    ['FP32', 1e39, 'INPUT_VALUE_OUT_OF_RANGE'],
    ['INT32', 1.5, 'INPUT_VALUE_INVALID'],
    ['BOOL', 1, 'INPUT_VALUE_INVALID'],
    ['FP64', '1.0', 'INPUT_VALUE_INVALID'],
    ['BYTES', 7, 'INPUT_VALUE_INVALID'],
    ['FP32', null, 'INPUT_VALUE_INVALID'],
  ];
  for (const [datatype, bad, code] of cases) {
    const body = request(false) as { inputs: { datatype: string; data: unknown[] }[] };
    const input = body.inputs.find((i) => i.datatype === datatype)!;
    input.data = [input.data[0], bad, input.data[2]];
    const response = await server.app.inject({ method: 'POST', url: '/v2/models/all-types/infer', payload: body });
    assert.equal(response.statusCode, 400, `${datatype} ${String(bad)}`);
    const error = response.json<{ code: string; error: string }>();
    assert.equal(error.code, code, `${datatype} ${String(bad)}: ${error.error}`);
    assert.match(error.error, new RegExp(`input 'in_${datatype}' element 1`));
  }
});

test('missing inputs are all named', async () => {
  const body = request(false) as { inputs: { name: string }[] };
  body.inputs = body.inputs.filter((i) => i.name !== 'in_FP16' && i.name !== 'in_BOOL');
  const response = await server.app.inject({ method: 'POST', url: '/v2/models/all-types/infer', payload: body });
  assert.equal(response.statusCode, 400);
  assert.deepEqual(response.json(), { error: 'missing inputs: in_BOOL, in_FP16', code: 'INPUT_MISSING', retryable: false });
});

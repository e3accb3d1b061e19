import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { EmbeddedServer } from '../../src/main/server.js';
import { ALL_DATATYPES, allTypesConfig, allTypesIdentity, digestOf, scratchRepository, writeVersion } from '../fixtures/onnx-fixtures.js';
import { startTestServer } from '../helpers/server.js';

let server: EmbeddedServer;
before(async () => {
  const root = scratchRepository({ withDemoModels: true });
  const bytes = allTypesIdentity(ALL_DATATYPES);
  writeVersion(root, 'all-types', '1', { 'model.onnx': bytes, 'model.yaml': allTypesConfig(digestOf(bytes)) });
  server = await startTestServer(root);
});
after(() => server.close());

/** Triton's layout: the JSON part, then each binary input's bytes in input order. */
function binaryBody(header: object, blobs: Buffer[]): { payload: Buffer; headers: Record<string, string> } {
  const json = Buffer.from(JSON.stringify(header));
  return { payload: Buffer.concat([json, ...blobs]), headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(json.length) } };
}

function splitResponse(raw: Buffer, headerLength: string): { json: { outputs: { name: string; datatype: string; shape: number[]; data?: unknown[]; parameters?: { binary_data_size: number } }[] }; blobs: Map<string, Buffer> } {
  const length = Number(headerLength);
  const json = JSON.parse(raw.subarray(0, length).toString()) as ReturnType<typeof splitResponse>['json'];
  const blobs = new Map<string, Buffer>();
  let at = length;
  for (const output of json.outputs) {
    const size = output.parameters?.binary_data_size;
    if (size === undefined) continue;
    blobs.set(output.name, raw.subarray(at, at + size));
    at += size;
  }
  assert.equal(at, raw.length, 'the blobs account for every byte after the JSON');
  return { json, blobs };
}

const TYPED: Record<string, () => { bytes: Buffer; expect: (b: Buffer) => unknown; values: unknown }> = {
  FP32: () => ({ bytes: Buffer.from(new Float32Array([1.5, Number.NaN, -0.25]).buffer), values: [1.5, Number.NaN, -0.25], expect: (b) => Array.from(new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length))) }),
  INT64: () => ({ bytes: Buffer.from(new BigInt64Array([-(2n ** 62n), 0n, 2n ** 62n]).buffer), values: [-(2n ** 62n), 0n, 2n ** 62n], expect: (b) => Array.from(new BigInt64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length))) }),
  BOOL: () => ({ bytes: Buffer.from([1, 0, 1]), values: [1, 0, 1], expect: (b) => Array.from(b) }),
};

function blobFor(datatype: string): Buffer {
  if (TYPED[datatype]) return TYPED[datatype]().bytes;
  if (datatype === 'BYTES') {
    return Buffer.concat(['a', 'bé', ''].flatMap((s) => {
      const bytes = Buffer.from(s);
      const length = Buffer.alloc(4);
      length.writeUInt32LE(bytes.length);
      return [length, bytes];
    }));
  }
  const size = { UINT8: 1, INT8: 1, UINT16: 2, INT16: 2, FP16: 2, UINT32: 4, INT32: 4, UINT64: 8, FP64: 8 }[datatype] ?? 1;
  return Buffer.from(Array.from({ length: 3 * size }, (_, i) => (i * 37) % 251));
}

test('every datatype round-trips byte for byte through binary inputs and outputs', async () => {
  const blobs = ALL_DATATYPES.map(blobFor);
  const { payload, headers } = binaryBody(
    {
      inputs: ALL_DATATYPES.map((dt, i) => ({ name: `in_${dt}`, datatype: dt, shape: [1, 3], parameters: { binary_data_size: blobs[i]!.length } })),
      parameters: { binary_data_output: true },
    },
    blobs,
  );
  const response = await server.app.inject({ method: 'POST', url: '/v2/models/all-types/infer', payload, headers });
  assert.equal(response.statusCode, 200, response.body);
  assert.equal(response.headers['content-type'], 'application/octet-stream');
  const { json, blobs: back } = splitResponse(response.rawPayload, String(response.headers['inference-header-content-length']));
  ALL_DATATYPES.forEach((dt, i) => {
    assert.ok(back.get(`out_${dt}`)?.equals(blobs[i]!), `${dt} came back unchanged`);
    assert.equal(json.outputs[i]?.data, undefined);
  });
  assert.deepEqual(TYPED.FP32!().expect(back.get('out_FP32')!), [1.5, Number.NaN, -0.25], 'binary carries what JSON cannot (NaN)');
});

test('binary and JSON mix: binary inputs with JSON outputs, and binary for one named output', async () => {
  const features = Buffer.from(new Float32Array([0.955, 2.786, 0.3726, 0.0407, 0.0781, 56.3, 22.6, 26.42]).buffer);
  const body = (outputs?: object[]) => binaryBody({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 8], parameters: { binary_data_size: 32 } }], ...(outputs ? { outputs } : {}) }, [features]);
  const jsonOut = body();
  const plain = await server.app.inject({ method: 'POST', url: '/v2/models/sensor-anomaly/infer', ...jsonOut });
  assert.equal(plain.statusCode, 200, plain.body);
  assert.match(String(plain.headers['content-type']), /^application\/json/);
  const score = plain.json<{ outputs: { data: number[] }[] }>().outputs[0]!.data[0]!;
  assert.ok(score < 0.5);
  const mixed = body([{ name: 'anomaly_score', parameters: { binary_data: true } }, { name: 'fault_probabilities' }]);
  const response = await server.app.inject({ method: 'POST', url: '/v2/models/sensor-anomaly/infer', ...mixed });
  const { json, blobs } = splitResponse(response.rawPayload, String(response.headers['inference-header-content-length']));
  assert.equal(new Float32Array(blobs.get('anomaly_score')!.buffer.slice(blobs.get('anomaly_score')!.byteOffset, blobs.get('anomaly_score')!.byteOffset + 4))[0], Math.fround(score));
  assert.equal(json.outputs[1]?.data?.length, 5, 'fault_probabilities stays JSON');
});

test('malformed binary bodies get clear 4xx codes', async () => {
  const good = Buffer.from(new Float32Array([1, 2]).buffer);
  const header = (size: number, extra: object = {}) => ({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 2], parameters: { binary_data_size: size }, ...extra }] });
  const cases: [{ payload: Buffer; headers: Record<string, string> }, string, RegExp][] = [
    // Without the header an octet-stream body is JSON, as Triton reads it (tritonclient.http.aio labels JSON so).
    [{ ...binaryBody(header(8), [good]), headers: { 'content-type': 'application/octet-stream' } }, 'BAD_JSON', /needs an Inference-Header-Content-Length header/],
    [{ ...binaryBody(header(8), [good]), headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': '99999' } }, 'INVALID_REQUEST', /must be a byte count of at most/],
    [{ payload: Buffer.concat([Buffer.from('{"inputs": ['), good]), headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': '12' } }, 'BAD_JSON', /JSON part of the binary body/],
    [binaryBody(header(4), [good.subarray(0, 4)]), 'INPUT_DATA_LENGTH_MISMATCH', /binary_data_size is 4 bytes but shape needs 2 x 4 = 8/],
    [binaryBody(header(16), [good]), 'INPUT_DATA_LENGTH_MISMATCH', /runs past the end of the binary data \(8 bytes left\)/],
    [binaryBody(header(8), [good, Buffer.from([1, 2, 3])]), 'INVALID_REQUEST', /3 bytes more than/],
    [binaryBody(header(8, { data: [1, 2] }), [good]), 'INVALID_REQUEST', /both 'data' and binary_data_size/],
    [binaryBody(header(-1), [good]), 'PARAMETER_INVALID', /whole number of bytes/],
    [binaryBody({ ...header(8), parameters: { binary_data_output: 'yes' } }, [good]), 'PARAMETER_INVALID', /binary_data_output must be true or false/],
  ];
  for (const [body, code, message] of cases) {
    const response = await server.app.inject({ method: 'POST', url: '/v2/models/identity/infer', ...body });
    assert.equal(response.statusCode, 400, `${code}: ${response.body}`);
    const error = response.json<{ code: string; error: string }>();
    assert.equal(error.code, code, error.error);
    assert.match(error.error, message);
  }
  const bools = binaryBody({ inputs: ALL_DATATYPES.map((dt) => ({ name: `in_${dt}`, datatype: dt, shape: [1, 3], parameters: { binary_data_size: blobFor(dt).length } })) }, ALL_DATATYPES.map((dt) => (dt === 'BOOL' ? Buffer.from([1, 2, 0]) : blobFor(dt))));
  const refused = await server.app.inject({ method: 'POST', url: '/v2/models/all-types/infer', ...bools });
  assert.equal(refused.json<{ code: string }>().code, 'INPUT_VALUE_INVALID');
});

test('thousands of generated binary bodies never get a 5xx', async () => {
  await fc.assert(
    fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), fc.uint8Array({ maxLength: 64 }), fc.option(fc.integer({ min: -2, max: 400 }), { nil: undefined }), fc.boolean(), async (header, tail, declared, realistic) => {
      const json = JSON.stringify(
        realistic ? { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, Math.max(1, tail.length >> 2)], parameters: { binary_data_size: declared ?? tail.length } }], parameters: { binary_data_output: true } } : header,
      ) ?? '';
      const payload = Buffer.concat([Buffer.from(json), Buffer.from(tail)]);
      const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
      if (declared !== undefined || realistic) headers['inference-header-content-length'] = String(realistic ? Buffer.byteLength(json) : declared);
      const response = await server.app.inject({ method: 'POST', url: '/v2/models/identity/infer', payload, headers });
      assert.ok(response.statusCode < 500, `${response.statusCode}: ${response.body}`);
    }),
    { numRuns: 1500 },
  );
});

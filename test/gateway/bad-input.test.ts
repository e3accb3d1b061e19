import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EmbeddedServer } from '../../src/main/server.js';
import { smallModelRepository } from '../fixtures/small-model.js';
import { startTestServer } from '../helpers/server.js';

let server: EmbeddedServer;
before(async () => {
  server = await startTestServer(smallModelRepository(), { body_limit_bytes: 4096, max_tensor_elements: 1000 });
});
after(() => server.close());

const row = (data: unknown[] = [1, 2, 3, 4, 5, 6, 7, 8]) => ({ name: 'x', datatype: 'FP32', shape: [1, 8], data });
const body = (input: object) => JSON.stringify({ inputs: [input] });

interface Case {
  readonly name: string;
  readonly url?: string;
  readonly payload: string;
  readonly contentType?: string;
  readonly encoding?: string;
  readonly status: number;
  readonly code: string;
  readonly message: RegExp;
}

const CASES: Case[] = [
  { name: 'malformed JSON', payload: '{"inputs": [', status: 400, code: 'BAD_JSON', message: /not valid JSON/ },
  { name: 'empty body', payload: '', status: 400, code: 'BAD_JSON', message: /empty/ },
  { name: 'prototype poisoning', payload: '{"__proto__": {"x": 1}, "inputs": []}', status: 400, code: 'BAD_JSON', message: /JSON/ },
  { name: 'not JSON content type', payload: 'x=1', contentType: 'text/plain', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: /application\/json/ },
  { name: 'JSON nested past max_json_depth', payload: `{"inputs":[${'['.repeat(100)}${']'.repeat(100)}]}`, status: 400, code: 'JSON_TOO_DEEP', message: /more than 64 levels/ },
  { name: 'unknown content-encoding', payload: body(row()), encoding: 'br', status: 415, code: 'CONTENT_ENCODING_UNSUPPORTED', message: /gzip, deflate/ },
  { name: 'corrupt gzip body', payload: body(row()), encoding: 'gzip', status: 400, code: 'COMPRESSED_BODY_INVALID', message: /could not be decompressed/ },
  { name: 'body over the limit', payload: body(row(Array.from({ length: 2000 }, () => 1.5))), status: 413, code: 'BODY_TOO_LARGE', message: /body_limit_bytes/ },
  { name: 'body is an array', payload: '[]', status: 400, code: 'INVALID_REQUEST', message: /JSON object/ },
  { name: 'no inputs', payload: '{}', status: 400, code: 'INVALID_REQUEST', message: /'inputs' must be a non-empty array/ },
  { name: 'id not a string', payload: JSON.stringify({ id: 5, inputs: [row()] }), status: 400, code: 'INVALID_REQUEST', message: /'id' must be a string/ },
  { name: 'input without data', payload: body({ name: 'x', datatype: 'FP32', shape: [1, 8] }), status: 400, code: 'INVALID_REQUEST', message: /'data' must be an array/ },
  { name: 'unknown model', url: '/v2/models/nope/infer', payload: body(row()), status: 404, code: 'MODEL_NOT_FOUND', message: /no model named 'nope'/ },
  { name: 'unknown version', url: '/v2/models/small/versions/9/infer', payload: body(row()), status: 404, code: 'MODEL_VERSION_NOT_FOUND', message: /versions: 1/ },
  { name: 'missing input', payload: JSON.stringify({ inputs: [{ ...row(), name: 'z' }] }), status: 400, code: 'INPUT_UNEXPECTED', message: /inputs are: x/ },
  { name: 'extra input', payload: JSON.stringify({ inputs: [row(), { ...row(), name: 'extra' }] }), status: 400, code: 'INPUT_UNEXPECTED', message: /'extra' is not in the contract/ },
  { name: 'duplicate input', payload: JSON.stringify({ inputs: [row(), row()] }), status: 400, code: 'INPUT_DUPLICATE', message: /more than once/ },
  { name: 'wrong datatype', payload: body({ ...row(), datatype: 'FP64' }), status: 400, code: 'INPUT_DATATYPE_MISMATCH', message: /"FP64" does not match the contract's FP32/ },
  { name: 'unknown datatype', payload: body({ ...row(), datatype: 'FLOAT' }), status: 400, code: 'INPUT_DATATYPE_MISMATCH', message: /"FLOAT"/ },
  { name: 'shape rank differs', payload: body({ ...row(), shape: [8] }), status: 400, code: 'INPUT_SHAPE_MISMATCH', message: /\[8\] does not fit the contract's \[-1, 8\]/ },
  { name: 'fixed dimension differs', payload: body({ ...row([1, 2, 3, 4, 5, 6, 7]), shape: [1, 7] }), status: 400, code: 'INPUT_SHAPE_MISMATCH', message: /\[1, 7\]/ },
  { name: 'negative dimension', payload: body({ ...row(), shape: [-1, 8] }), status: 400, code: 'INPUT_SHAPE_INVALID', message: /from 1 to/ },
  { name: 'zero dimension', payload: body({ ...row([]), shape: [0, 8] }), status: 400, code: 'INPUT_SHAPE_INVALID', message: /from 1 to/ },
  { name: 'fractional dimension', payload: body({ ...row(), shape: [1.5, 8] }), status: 400, code: 'INPUT_SHAPE_INVALID', message: /1\.5/ },
  { name: 'absurd dimension', payload: body({ ...row(), shape: [1e12, 8] }), status: 400, code: 'INPUT_SHAPE_INVALID', message: /from 1 to 2147483647/ },
  { name: 'too many elements', payload: body({ ...row(), shape: [200, 8] }), status: 400, code: 'INPUT_SHAPE_INVALID', message: /over the limit of 1000/ },
  { name: 'shape not an array', payload: body({ ...row(), shape: '1,8' }), status: 400, code: 'INVALID_REQUEST', message: /'shape' must be an array/ },
  { name: 'batch over max_batch_size', payload: body({ ...row(Array.from({ length: 40 }, () => 1)), shape: [5, 8] }), status: 400, code: 'BATCH_TOO_LARGE', message: /max_batch_size of 4/ },
  { name: 'too little data', payload: body(row([1, 2, 3])), status: 400, code: 'INPUT_DATA_LENGTH_MISMATCH', message: /data has 3 elements but shape \[1, 8\] needs 8/ },
  { name: 'too much data', payload: body(row(Array.from({ length: 9 }, () => 1))), status: 400, code: 'INPUT_DATA_LENGTH_MISMATCH', message: /9 elements/ },
  { name: 'ragged nested data', payload: body({ ...row([[1, 2, 3, 4, 5, 6, 7, 8], [1, 2]]), shape: [2, 8] }), status: 400, code: 'INPUT_DATA_LENGTH_MISMATCH', message: /depth 1/ },
  { name: 'nested deeper than the shape', payload: body({ ...row([[[1], 2, 3, 4, 5, 6, 7, 8]]), shape: [1, 8] }), status: 400, code: 'INPUT_DATA_LENGTH_MISMATCH', message: /deeper/ },
  { name: 'string in FP32 data', payload: body(row([1, 2, 3, 'four', 5, 6, 7, 8])), status: 400, code: 'INPUT_VALUE_INVALID', message: /element 3: FP32 needs a number, got the string "four"/ },
  { name: 'FP32 overflow', payload: body(row([1, 2, 3, 4e39, 5, 6, 7, 8])), status: 400, code: 'INPUT_VALUE_OUT_OF_RANGE', message: /element 3/ },
  { name: 'unknown output', payload: JSON.stringify({ inputs: [row()], outputs: [{ name: 'q' }] }), status: 400, code: 'OUTPUT_UNKNOWN', message: /outputs are: y/ },
  { name: 'duplicate output', payload: JSON.stringify({ inputs: [row()], outputs: [{ name: 'y' }, { name: 'y' }] }), status: 400, code: 'OUTPUT_UNKNOWN', message: /twice/ },
  { name: 'binary data extension', payload: body({ ...row(), parameters: { binary_data_size: 32 } }), status: 400, code: 'PARAMETER_INVALID', message: /binary_data_size needs a binary body/ },
  { name: 'unknown route', url: '/v2/models/small/predict', payload: body(row()), status: 404, code: 'ROUTE_NOT_FOUND', message: /no route for POST/ },
];

for (const c of CASES) {
  test(`bad input: ${c.name} -> ${c.status} ${c.code}`, async () => {
    const response = await server.app.inject({
      method: 'POST',
      url: c.url ?? '/v2/models/small/infer',
      payload: c.payload,
      headers: { 'content-type': c.contentType ?? 'application/json', ...(c.encoding ? { 'content-encoding': c.encoding } : {}) },
    });
    assert.equal(response.statusCode, c.status, response.body);
    // Framework refusals and the route's own take one path (error-reply.ts): the same answer,
    // typed exactly application/json, the only form the KServe Python client reads an error from.
    assert.equal(response.headers['content-type'], 'application/json');
    assert.equal(Number(response.headers['content-length']), Buffer.byteLength(response.body));
    const error = response.json<{ error: string; code: string; retryable: boolean }>();
    assert.equal(error.code, c.code);
    assert.equal(error.retryable, false);
    assert.match(error.error, c.message);
  });
}

test('bad input leaves the server serving and is counted by code', async () => {
  const good = await server.app.inject({ method: 'POST', url: '/v2/models/small/infer', payload: { inputs: [row()] } });
  assert.equal(good.statusCode, 200, good.body);
  const metrics = await server.app.inject({ method: 'GET', url: '/metrics' });
  assert.match(metrics.body, /switchyard_inference_requests_total\{model="small",version="1",latency_class="realtime",outcome="INPUT_SHAPE_MISMATCH"\} [1-9]/);
  assert.match(metrics.body, /switchyard_inference_requests_total\{model="_unknown",version="_unknown",latency_class="none",outcome="MODEL_NOT_FOUND"\} 1/);
});

test('every refused inference request is audited, those refused by the body parser too', async () => {
  // Refused before the route's handler (by the parser) and by the handler: each must leave an audit tuple.
  const refusedByParser = ['BAD_JSON', 'UNSUPPORTED_MEDIA_TYPE', 'BODY_TOO_LARGE', 'JSON_TOO_DEEP', 'CONTENT_ENCODING_UNSUPPORTED', 'COMPRESSED_BODY_INVALID'];
  await server.flushAudit();
  const outcomes = new Set<string>();
  for (let after: number | null = 0; after !== null; ) {
    const page = await server.storage.listAudit(after, 500);
    for (const row of page.rows) {
      if (row.action !== 'inferences' || row.detail === null) continue;
      const detail = JSON.parse(row.detail) as { inferences: [number, number, string, string | null][] };
      for (const [, , outcome] of detail.inferences) outcomes.add(outcome);
    }
    after = page.nextAfterSeq;
  }
  for (const code of refusedByParser) assert.ok(outcomes.has(code), `no audited inference with outcome ${code}; audited: ${[...outcomes].join(', ')}`);
  assert.ok(outcomes.has('INPUT_SHAPE_MISMATCH'));
});

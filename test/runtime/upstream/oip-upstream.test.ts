/**
 * The `upstream` backend over OIP, against a REAL second Switchyard process serving the demo
 * models, plus a node:http OIP server that misbehaves on cue for the error mapping.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EmbeddedServer } from '../../../src/main/server.js';
import { startTestServer } from '../../helpers/server.js';
import { writeRepository } from '../../helpers/repository.js';
import { startSwitchyardProcess, type SwitchyardProcess } from '../../helpers/switchyard-process.js';

const IDENTITY_CONTRACT = `max_batch_size: 1024
inputs:
  - { name: input, datatype: FP32, shape: [-1, -1], batch_axis: 0 }
outputs:
  - { name: output, datatype: FP32, shape: [-1, -1], batch_axis: 0 }
`;

const SENSOR_CONTRACT = (width: number): string => `max_batch_size: 256
inputs:
  - { name: features, datatype: FP32, shape: [-1, ${width}], batch_axis: 0 }
outputs:
  - { name: anomaly_score, datatype: FP32, shape: [-1, 1], batch_axis: 0 }
  - { name: fault_probabilities, datatype: FP32, shape: [-1, 5], batch_axis: 0 }
`;

const upstreamYaml = (url: string, extra = ''): string => `backend: upstream\nupstream:\n  protocol: oip\n  url: ${url}\n${extra}`;

/** What the fake does on POST .../infer: set per test. */
let fakeMode: 'ok' | 'fail500' | 'busy429' | 'hang' | 'huge' | 'html' | 'binary' | 'binaryShort' = 'ok';
/** The last inference request the fake received. */
let lastPost: { contentType: string | undefined; jsonLength: string | undefined; body: Buffer } | undefined;

/** A binary answer: JSON part, then `bytes` of output data (8 for a [1,2] FP32 output). */
function binaryAnswer(bytes: Buffer, declared: number): { head: string; body: Buffer } {
  const head = JSON.stringify({ model_name: 'echo', outputs: [{ name: 'output', datatype: 'FP32', shape: [1, 2], parameters: { binary_data_size: declared } }] });
  return { head, body: Buffer.concat([Buffer.from(head), bytes]) };
}
let fake: Server;
let fakeUrl: string;
let upstream: SwitchyardProcess;
let server: EmbeddedServer;

const ROW = [0.955, 2.786, 0.3726, 0.0407, 0.0781, 56.3, 22.6, 26.42];

before(async () => {
  fake = createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/v2') {
      // Server metadata: the fake takes binary tensor data.
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ name: 'fake', version: '1', extensions: ['binary_tensor_data'] }));
      return;
    }
    if (request.method === 'GET') {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ name: 'echo', versions: ['1'], platform: 'fake', inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, -1] }], outputs: [{ name: 'output', datatype: 'FP32', shape: [-1, -1] }] }));
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      lastPost = { contentType: request.headers['content-type'], jsonLength: request.headers['inference-header-content-length'] as string | undefined, body: Buffer.concat(chunks) };
      if (fakeMode === 'hang') return; // never answers: the headers timeout must fire
      if (fakeMode === 'binary' || fakeMode === 'binaryShort') {
        const values = Buffer.from(new Float32Array([1, 2]).buffer);
        const { head, body } = fakeMode === 'binary' ? binaryAnswer(values, 8) : binaryAnswer(values.subarray(0, 4), 8);
        response.setHeader('content-type', 'application/octet-stream');
        response.setHeader('inference-header-content-length', String(Buffer.byteLength(head)));
        response.end(body);
        return;
      }
      if (fakeMode === 'fail500') {
        response.statusCode = 500;
        response.end('Traceback (most recent call last): secret internals at /srv/model.py line 42');
      } else if (fakeMode === 'busy429') {
        response.statusCode = 429;
        response.end('{"error":"slow down"}');
      } else if (fakeMode === 'html') {
        response.end('<html>not json</html>');
      } else if (fakeMode === 'huge') {
        response.end(JSON.stringify({ outputs: [{ name: 'output', datatype: 'FP32', shape: [1, 20000], data: new Array(20000).fill(1.5) }] }));
      } else {
        response.end(JSON.stringify({ model_name: 'echo', outputs: [{ name: 'output', datatype: 'FP32', shape: [1, 2], data: [1, 2] }] }));
      }
    });
  });
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
  fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;

  upstream = await startSwitchyardProcess();
  const repository = writeRepository({
    'remote-identity': `${upstreamYaml(upstream.url, '  model: identity\n  hardware_class: h200\n  tier: onprem\n')}${IDENTITY_CONTRACT}`,
    'remote-batched': `${upstreamYaml(upstream.url, '  model: identity\n  pass_batches: true\n  connections: 1\n')}latency_class: throughput\nbatching: { max_queue_delay_ms: { throughput: 20 } }\n${IDENTITY_CONTRACT}`,
    'remote-sensor': `${upstreamYaml(upstream.url, '  model: sensor-anomaly\n  version: "1"\n')}${SENSOR_CONTRACT(8)}`,
    // Looser than the upstream (any width): the upstream's own 400 must come back as UPSTREAM_REJECTED.
    'remote-sensor-loose': `${upstreamYaml(upstream.url, '  model: sensor-anomaly\n')}${SENSOR_CONTRACT(-1)}`,
    // Contradicts the upstream's metadata: refused at load.
    'remote-wrong': `${upstreamYaml(upstream.url, '  model: sensor-anomaly\n')}${SENSOR_CONTRACT(9)}`,
    'remote-missing': `${upstreamYaml(upstream.url, '  model: no-such-model\n')}${IDENTITY_CONTRACT}`,
    echo: `${upstreamYaml(fakeUrl, '  timeouts: { headers_ms: 300 }\n  max_response_bytes: 4096\n')}${IDENTITY_CONTRACT}`,
    'echo-json': `${upstreamYaml(fakeUrl, '  binary_data: never\n')}${IDENTITY_CONTRACT}`,
  });
  server = await startTestServer(repository);
});

after(async () => {
  await server?.close();
  await upstream?.stop();
  fake?.closeAllConnections();
  await new Promise((resolve) => fake?.close(resolve));
});

async function infer(model: string, inputs: object[], headers: Record<string, string> = {}) {
  return server.app.inject({ method: 'POST', url: `/v2/models/${model}/infer`, payload: { inputs }, headers });
}

test('versions load against the upstream metadata; a contract that contradicts it is refused with the reason', async () => {
  const index = (await server.app.inject({ method: 'POST', url: '/v2/repository/index' })).json<{ name: string; state: string; reason: string }[]>();
  const state = Object.fromEntries(index.map((e) => [e.name, e.state]));
  assert.deepEqual(state, { echo: 'READY', 'echo-json': 'READY', 'remote-batched': 'READY', 'remote-identity': 'READY', 'remote-missing': 'UNAVAILABLE', 'remote-sensor': 'READY', 'remote-sensor-loose': 'READY', 'remote-wrong': 'UNAVAILABLE' });
  assert.match(index.find((e) => e.name === 'remote-wrong')!.reason, /contract does not match upstream http:\/\/127\.0\.0\.1:\d+: input 'features' axis 1: contract says 9 but the artifact says 8/);
  assert.match(index.find((e) => e.name === 'remote-missing')!.reason, /could not load from the upstream: .*HTTP 404/);
  const metadata = (await server.app.inject({ method: 'GET', url: '/v2/models/remote-identity' })).json<{ parameters: Record<string, unknown> }>();
  assert.equal(metadata.parameters.backend, 'upstream');
  assert.equal(metadata.parameters.hardware_class, 'h200');
  assert.equal(metadata.parameters.simulated, false);
});

test('an OIP upstream answers through the scheduler with our per-call metadata', async () => {
  const data = [0.5, -1.25, 3, 1e-3];
  const response = await infer('remote-identity', [{ name: 'input', datatype: 'FP32', shape: [2, 2], data }]);
  assert.equal(response.statusCode, 200, response.body);
  const body = response.json<{ model_name: string; parameters: Record<string, unknown>; outputs: { name: string; shape: number[]; data: number[] }[] }>();
  assert.equal(body.model_name, 'remote-identity');
  assert.deepEqual(body.outputs[0]!.shape, [2, 2]);
  body.outputs[0]!.data.forEach((v, i) => assert.ok(Math.abs(v - data[i]!) < 1e-6));
  assert.equal(response.headers['x-switchyard-backend'], 'upstream');
  assert.equal(response.headers['x-switchyard-hardware-class'], 'h200');
  assert.equal(response.headers['x-switchyard-device'], 'upstream:0');
  assert.equal(response.headers['x-switchyard-tier'], 'onprem');
  assert.equal(response.headers['x-switchyard-simulated'], 'false');
  assert.equal(response.headers['x-switchyard-node'], 'local');
  assert.match(String(response.headers['server-timing']), /^queue;dur=[\d.]+, compute;dur=[\d.]+, total;dur=[\d.]+$/);
  assert.equal(body.parameters.backend, 'upstream');
  assert.equal(body.parameters.tier, 'onprem');
});

test('the same inputs give the same outputs through the upstream as from it directly', async () => {
  const direct = await fetch(`${upstream.url}/v2/models/sensor-anomaly/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 8], data: ROW }] }) });
  const expected = (await direct.json()) as { outputs: { name: string; data: number[] }[] };
  const response = await infer('remote-sensor', [{ name: 'features', datatype: 'FP32', shape: [1, 8], data: ROW }]);
  assert.equal(response.statusCode, 200, response.body);
  const ours = response.json<{ outputs: { name: string; data: number[] }[] }>().outputs;
  for (const output of expected.outputs) assert.deepEqual(ours.find((o) => o.name === output.name)?.data, output.data);
});

test("the upstream's refusal of the caller's input comes back as a 400 with its reason", async () => {
  const response = await infer('remote-sensor-loose', [{ name: 'features', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }]);
  assert.equal(response.statusCode, 400);
  const body = response.json<{ code: string; error: string; retryable: boolean }>();
  assert.equal(body.code, 'UPSTREAM_REJECTED');
  assert.equal(body.retryable, false);
  assert.match(body.error, /HTTP 400/);
});

test('with pass_batches, requests merged by the scheduler go upstream as one batch and each gets its own rows back', async () => {
  const responses = await Promise.all(
    Array.from({ length: 24 }, (_, i) => infer('remote-batched', [{ name: 'input', datatype: 'FP32', shape: [1 + (i % 3), 2], data: Array.from({ length: 2 * (1 + (i % 3)) }, (_, k) => i * 10 + k) }])),
  );
  let merged = 0;
  responses.forEach((response, i) => {
    assert.equal(response.statusCode, 200, response.body);
    const rows = 1 + (i % 3);
    const output = response.json<{ outputs: { shape: number[]; data: number[] }[] }>().outputs[0]!;
    assert.deepEqual(output.shape, [rows, 2]);
    assert.deepEqual(output.data, Array.from({ length: 2 * rows }, (_, k) => i * 10 + k));
    if (Number(response.headers['x-switchyard-batch-size']) > rows) merged++;
  });
  // 24 arrivals at once against a 20 ms throughput batching window: merging must have happened.
  assert.ok(merged > 0, 'some requests ran merged with others');
});

test('upstream failures map to retryable codes and never leak what the upstream said', async () => {
  const input = [{ name: 'input', datatype: 'FP32', shape: [1, 2], data: [1, 2] }];
  const cases = [
    ['fail500', 502, 'UPSTREAM_UNAVAILABLE'],
    ['busy429', 503, 'UPSTREAM_OVERLOADED'],
    ['hang', 504, 'UPSTREAM_TIMEOUT'],
    ['huge', 502, 'UPSTREAM_RESPONSE_INVALID'],
    ['html', 502, 'UPSTREAM_RESPONSE_INVALID'],
  ] as const;
  for (const [mode, status, code] of cases) {
    fakeMode = mode;
    const response = await infer('echo', input);
    assert.equal(response.statusCode, status, `${mode}: ${response.body}`);
    assert.equal(response.json<{ code: string }>().code, code, mode);
    assert.doesNotMatch(response.body, /Traceback|secret|\/srv|127\.0\.0\.1/, mode);
    if (status === 503) assert.ok(response.headers['retry-after'], `${mode} has Retry-After`);
  }
  fakeMode = 'ok';
  const ok = await infer('echo', input);
  assert.equal(ok.statusCode, 200, ok.body);
});

test('an upstream listing binary_tensor_data gets raw tensor bytes and its binary answer is checked; binary_data: never keeps JSON', async () => {
  const input = [{ name: 'input', datatype: 'FP32', shape: [1, 2], data: [0.5, -2] }];
  fakeMode = 'binary';
  const response = await infer('echo', input);
  assert.equal(response.statusCode, 200, response.body);
  assert.deepEqual(response.json<{ outputs: { shape: number[]; data: number[] }[] }>().outputs[0], { name: 'output', datatype: 'FP32', shape: [1, 2], data: [1, 2] });
  assert.equal(lastPost?.contentType, 'application/octet-stream');
  const jsonLength = Number(lastPost.jsonLength);
  const head = JSON.parse(lastPost.body.toString('utf8', 0, jsonLength)) as { inputs: { name: string; datatype: string; shape: number[]; parameters: { binary_data_size: number } }[]; outputs: { name: string; parameters: { binary_data: boolean } }[] };
  assert.deepEqual(head.inputs, [{ name: 'input', datatype: 'FP32', shape: [1, 2], parameters: { binary_data_size: 8 } }]);
  assert.deepEqual(head.outputs, [{ name: 'output', parameters: { binary_data: true } }]);
  const sent = lastPost.body.subarray(jsonLength);
  assert.deepEqual(Array.from(new Float32Array(sent.buffer.slice(sent.byteOffset, sent.byteOffset + sent.length))), [0.5, -2], 'the input as raw little-endian floats');
  // A shape with more digits: the JSON part grows, and the header says its new length.
  const wider = await infer('echo', [{ name: 'input', datatype: 'FP32', shape: [1, 10], data: Array.from({ length: 10 }, (_, i) => i) }]);
  assert.equal(wider.statusCode, 200, wider.body);
  const widerLength = Number(lastPost.jsonLength);
  assert.equal(widerLength, jsonLength + 2, 'the Inference-Header-Content-Length of this call, not the last one ([1,10] and 40 bytes)');
  assert.deepEqual((JSON.parse(lastPost.body.toString('utf8', 0, widerLength)) as typeof head).inputs[0]?.shape, [1, 10]);
  assert.equal(lastPost.body.length, widerLength + 40);

  fakeMode = 'binaryShort';
  const short = await infer('echo', input);
  assert.equal(short.statusCode, 502, short.body);
  assert.equal(short.json<{ code: string }>().code, 'UPSTREAM_RESPONSE_INVALID');

  fakeMode = 'ok';
  const json = await infer('echo-json', input);
  assert.equal(json.statusCode, 200, json.body);
  assert.equal(lastPost?.contentType, 'application/json');
  assert.deepEqual((JSON.parse(lastPost.body.toString('utf8')) as { inputs: { data: number[] }[] }).inputs[0]?.data, [0.5, -2]);
});

test('an upstream that goes away is a retryable 502, and the gateway keeps serving', async () => {
  await upstream.stop();
  const response = await infer('remote-identity', [{ name: 'input', datatype: 'FP32', shape: [1, 1], data: [1] }]);
  assert.equal(response.statusCode, 502, response.body);
  assert.equal(response.json<{ code: string; retryable: boolean }>().code, 'UPSTREAM_UNAVAILABLE');
  const live = await server.app.inject({ method: 'GET', url: '/v2/health/live' });
  assert.equal(live.statusCode, 200);
});

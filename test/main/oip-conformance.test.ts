/**
 * Triton's clients, byte for byte on the wire, against `switchyard up` (what `npm start` runs:
 * the embedded server with the demo models in models/) over a real socket. The requests are
 * built as tritonclient.http (geventhttpclient: no content type at all), tritonclient.http.aio
 * (aiohttp: bytes labelled application/octet-stream) and perf_analyzer's C++ client (libcurl:
 * application/json with Inference-Header-Content-Length always set, no `Expect`,
 * repository calls form-urlencoded) build them, read from their public source; neither client
 * can be installed here. Answers are read as those clients read them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import zlib from 'node:zlib';

const ENTRY = new URL('../../src/main/switchyard.ts', import.meta.url).pathname;
const REPO_ROOT = new URL('../..', import.meta.url).pathname;

let child: ChildProcess;
let port: number;
let adminKey: string;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

before(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-oip-'));
  child = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'up', '--port', '0', '--data-dir', dataDir], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let address: string | undefined;
  let key: string | undefined;
  for await (const line of createInterface({ input: child.stdout! })) {
    // The first start prints the first admin key as plain text; the log lines are JSON.
    if (!line.startsWith('{')) key ??= /\bsy_[A-Za-z0-9_-]+/.exec(line)?.[0];
    else address ??= (JSON.parse(line) as { address?: string }).address;
    if (address && key) break;
  }
  child.stdout!.resume();
  assert.ok(address && key, 'switchyard up printed no address or no first admin key');
  port = Number(new URL(address).port);
  adminKey = key;
});

after(async () => {
  agent.destroy();
  if (child.exitCode === null) {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
});

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** One request with exactly these headers (node adds Host and Connection, as every client does). */
function send(method: string, path: string, headers: Record<string, string> = {}, body?: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, method, path, agent, headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** geventhttpclient's own header; tritonclient.http adds no content type. */
const GEVENT = { 'user-agent': 'python/gevent-http-client-2.3' };
/** libcurl's defaults as the C++ client sets them; its `Expect:` line removes the header, so none is sent. */
const CURL = { 'user-agent': 'libcurl-agent/1.0', accept: '*/*' };

/** tritonclient.http's body: compact JSON, binary tensors after it, the JSON's length when there are any. */
function tritonBody(request: object, blobs: Buffer[] = []): { body: Buffer; headerLength: number | undefined } {
  const json = Buffer.from(JSON.stringify(request));
  return blobs.length === 0 ? { body: json, headerLength: undefined } : { body: Buffer.concat([json, ...blobs]), headerLength: json.length };
}

/** As InferResult reads an answer: inflate per Content-Encoding, split at Inference-Header-Content-Length. */
function readResult(answer: Answer): { json: { id?: string; outputs: { name: string; datatype: string; shape: number[]; data?: unknown[]; parameters?: { binary_data_size?: number } }[] }; output(name: string): number[] } {
  let body = answer.body;
  if (answer.headers['content-encoding'] === 'gzip') body = zlib.gunzipSync(body);
  else if (answer.headers['content-encoding'] === 'deflate') body = zlib.inflateSync(body);
  const headerLength = answer.headers['inference-header-content-length'];
  const jsonEnd = headerLength === undefined ? body.length : Number(headerLength);
  const json = JSON.parse(body.subarray(0, jsonEnd).toString('utf8')) as ReturnType<typeof readResult>['json'];
  const offsets = new Map<string, number>();
  let at = jsonEnd;
  for (const output of json.outputs) {
    const size = output.parameters?.binary_data_size;
    if (size !== undefined) {
      offsets.set(output.name, at);
      at += size;
    }
  }
  return {
    json,
    output(name) {
      const output = json.outputs.find((o) => o.name === name)!;
      const start = offsets.get(name);
      if (start === undefined) return output.data as number[];
      const bytes = body.subarray(start, start + output.parameters!.binary_data_size!);
      return [...new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length))];
    },
  };
}

/** Like tritonclient's _get_error (and the KServe client, which reads only an exactly-JSON answer): the message. */
function readError(answer: Answer): { message: string; code: string } {
  assert.equal(answer.headers['content-type'], 'application/json', 'the KServe client shows an error only under exactly application/json');
  const body = JSON.parse(answer.body.toString('utf8')) as { error: string; code: string };
  assert.equal(typeof body.error, 'string');
  return { message: body.error, code: body.code };
}

const HEALTHY = [0.955, 2.786, 0.3726, 0.0407, 0.0781, 56.3, 22.6, 26.42];
const f32 = (values: number[]): Buffer => Buffer.from(new Float32Array(values).buffer);

test('tritonclient.http: JSON inputs with no content type, request id, priority and timeout; binary outputs by default', async () => {
  const { body } = tritonBody({
    id: 'req-7',
    inputs: [{ name: 'features', shape: [1, 8], datatype: 'FP32', data: HEALTHY }],
    parameters: { priority: 1, timeout: 5_000_000, binary_data_output: true },
  });
  const answer = await send('POST', '/v2/models/sensor-anomaly/infer', GEVENT, body);
  assert.equal(answer.status, 200, answer.body.toString());
  assert.ok(answer.headers['inference-header-content-length']);
  const result = readResult(answer);
  assert.equal(result.json.id, 'req-7');
  const [score] = result.output('anomaly_score');
  assert.ok(score !== undefined && score < 0.5, `healthy row scored ${String(score)}`);
  assert.equal(result.output('fault_probabilities').length, 5);
});

test('tritonclient.http: binary inputs with only Inference-Header-Content-Length; JSON output asked by name', async () => {
  const { body, headerLength } = tritonBody(
    { inputs: [{ name: 'features', shape: [1, 8], datatype: 'FP32', parameters: { binary_data_size: 32 } }], outputs: [{ name: 'anomaly_score', parameters: { binary_data: false } }] },
    [f32(HEALTHY)],
  );
  const answer = await send('POST', '/v2/models/sensor-anomaly/infer', { ...GEVENT, 'inference-header-content-length': String(headerLength) }, body);
  assert.equal(answer.status, 200, answer.body.toString());
  assert.equal(answer.headers['inference-header-content-length'], undefined);
  const result = readResult(answer);
  assert.deepEqual(result.json.outputs.map((o) => o.name), ['anomaly_score']);
  assert.ok((result.output('anomaly_score')[0] ?? 1) < 0.5);
});

test('tritonclient.http: BYTES as binary (4-byte little-endian lengths)', async () => {
  const texts = ['the pump is great', 'terrible noise, broken seal'];
  const blob = Buffer.concat(texts.flatMap((t) => {
    const bytes = Buffer.from(t);
    const length = Buffer.alloc(4);
    length.writeUInt32LE(bytes.length);
    return [length, bytes];
  }));
  const { body, headerLength } = tritonBody({ inputs: [{ name: 'text', shape: [2], datatype: 'BYTES', parameters: { binary_data_size: blob.length } }], parameters: { binary_data_output: true } }, [blob]);
  const answer = await send('POST', '/v2/models/text-sentiment-rules/infer', { ...GEVENT, 'inference-header-content-length': String(headerLength) }, body);
  assert.equal(answer.status, 200, answer.body.toString());
  const scores = readResult(answer).output('scores');
  assert.equal(scores.length, 8);
  assert.ok((scores[3] ?? 0) > 0.05 && (scores[7] ?? 0) < -0.05, `compound scores ${String(scores[3])}, ${String(scores[7])}`);
});

test('tritonclient.http.aio: a JSON body labelled application/octet-stream (aiohttp) without the header is JSON', async () => {
  const { body } = tritonBody({ inputs: [{ name: 'features', shape: [1, 8], datatype: 'FP32', data: HEALTHY }], parameters: { binary_data_output: true } });
  const answer = await send('POST', '/v2/models/sensor-anomaly/infer', { 'user-agent': 'Python/3.11 aiohttp/3.9.5', 'content-type': 'application/octet-stream' }, body);
  assert.equal(answer.status, 200, answer.body.toString());
  assert.ok((readResult(answer).output('anomaly_score')[0] ?? 1) < 0.5);
});

for (const coding of ['gzip', 'deflate'] as const) {
  test(`request_compression_algorithm and response_compression_algorithm ${coding}`, async () => {
    // 512 floats each way: an answer large enough to be compressed (small ones go as they are).
    const values = Array.from({ length: 512 }, (_, i) => i / 8);
    const { body, headerLength } = tritonBody({ inputs: [{ name: 'input', shape: [1, 512], datatype: 'FP32', parameters: { binary_data_size: 2048 } }], parameters: { binary_data_output: true } }, [f32(values)]);
    // The header keeps the uncompressed JSON length; "deflate" is the zlib format (Python's zlib.compress).
    const packed = coding === 'gzip' ? zlib.gzipSync(body) : zlib.deflateSync(body);
    const headers = { ...GEVENT, 'content-encoding': coding, 'accept-encoding': coding, 'inference-header-content-length': String(headerLength) };
    const answer = await send('POST', '/v2/models/identity/infer', headers, packed);
    assert.equal(answer.status, 200, answer.body.toString());
    assert.equal(answer.headers['content-encoding'], coding);
    assert.ok(answer.body.length < 2048, `a compressed answer of ${answer.body.length} bytes`);
    assert.deepEqual(readResult(answer).output('output'), values);
    // A one-row answer is sent as it is: the client reads Content-Encoding either way.
    const small = tritonBody({ inputs: [{ name: 'features', shape: [1, 8], datatype: 'FP32', data: HEALTHY }] });
    const plain = await send('POST', '/v2/models/sensor-anomaly/infer', { ...GEVENT, 'accept-encoding': coding }, small.body);
    assert.equal(plain.status, 200);
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.ok((readResult(plain).output('anomaly_score')[0] ?? 1) < 0.5);
  });
}

test('perf_analyzer: server metadata, model metadata, config and statistics as its model parser reads them', async () => {
  const server = JSON.parse((await send('GET', '/v2', CURL)).body.toString()) as { extensions: string[] };
  assert.ok(Array.isArray(server.extensions) && server.extensions.every((e) => typeof e === 'string'));
  const metadata = JSON.parse((await send('GET', '/v2/models/sensor-anomaly', CURL)).body.toString()) as { name: string; inputs: { name: string; datatype: string; shape: number[] }[] };
  const configAnswer = await send('GET', '/v2/models/sensor-anomaly/config', CURL);
  assert.equal(configAnswer.status, 200, configAnswer.body.toString());
  const config = JSON.parse(configAnswer.body.toString()) as {
    name: string;
    platform: string;
    max_batch_size: number;
    input: { name: string; data_type: string; dims: number[] }[];
    output: { name: string; data_type: string; dims: number[] }[];
    dynamic_batching?: object;
  };
  assert.equal(config.name, 'sensor-anomaly');
  assert.equal(typeof config.platform, 'string');
  assert.equal(config.max_batch_size, 256);
  assert.deepEqual(config.input, [{ name: 'features', data_type: 'TYPE_FP32', format: 'FORMAT_NONE', dims: [8], is_shape_tensor: false, allow_ragged_batch: false, optional: false }]);
  assert.deepEqual(config.output.map((o) => [o.name, o.data_type, o.dims]), [['anomaly_score', 'TYPE_FP32', [1]], ['fault_probabilities', 'TYPE_FP32', [5]]]);
  assert.ok(config.dynamic_batching, 'a batching model is served with dynamic batching');
  // Every input the config names has metadata, and with max_batch_size > 0 metadata shapes lead with the batch dimension.
  for (const input of config.input) assert.deepEqual(metadata.inputs.find((i) => i.name === input.name)?.shape.slice(1), input.dims);

  // perf_analyzer's infer request: JSON content type, the header set to the whole body.
  const json = Buffer.from(JSON.stringify({ inputs: [{ name: 'features', shape: [1, 8], datatype: 'FP32', data: HEALTHY }], outputs: [{ name: 'anomaly_score', parameters: { binary_data: true } }] }));
  const asJson = await send('POST', '/v2/models/sensor-anomaly/infer', { ...CURL, 'content-type': 'application/json', 'inference-header-content-length': String(json.length) }, json);
  assert.equal(asJson.status, 200, asJson.body.toString());
  // ... and with binary inputs: octet-stream, the header giving the JSON part.
  const { body, headerLength } = tritonBody({ inputs: [{ name: 'features', shape: [1, 8], datatype: 'FP32', parameters: { binary_data_size: 32 } }], outputs: [{ name: 'anomaly_score', parameters: { binary_data: true } }] }, [f32(HEALTHY)]);
  const asBinary = await send('POST', '/v2/models/sensor-anomaly/infer', { ...CURL, 'content-type': 'application/octet-stream', 'inference-header-content-length': String(headerLength) }, body);
  assert.equal(asBinary.status, 200, asBinary.body.toString());
  assert.ok((readResult(asBinary).output('anomaly_score')[0] ?? 1) < 0.5);

  const statsAnswer = await send('GET', '/v2/models/sensor-anomaly/stats', CURL);
  assert.equal(statsAnswer.status, 200, statsAnswer.body.toString());
  const stats = JSON.parse(statsAnswer.body.toString()) as { model_stats: { name: string; version: string; inference_count: number; execution_count: number; inference_stats: Record<string, { count: number; ns: number }> }[] };
  const [entry] = stats.model_stats;
  assert.equal(entry?.name, 'sensor-anomaly');
  assert.equal(entry.version, '1');
  // What ParseStatistics reads, each as an unsigned integer.
  for (const field of ['success', 'queue', 'compute_input', 'compute_infer', 'compute_output', 'cache_hit', 'cache_miss']) {
    const value = entry.inference_stats[field];
    assert.ok(value && Number.isSafeInteger(value.count) && value.count >= 0 && Number.isSafeInteger(value.ns) && value.ns >= 0, `${field}: ${JSON.stringify(value)}`);
  }
  assert.ok((entry.inference_stats.success?.count ?? 0) >= 5, 'the inferences above are counted');
  assert.ok(entry.inference_count >= 5 && entry.execution_count >= 1 && entry.execution_count <= entry.inference_count);
  const all = JSON.parse((await send('GET', '/v2/models/stats', CURL)).body.toString()) as { model_stats: { name: string }[] };
  assert.ok(all.model_stats.some((s) => s.name === 'identity'));
});

test('errors: both clients read the message (exactly application/json, an "error" string)', async () => {
  const { body } = tritonBody({ inputs: [{ name: 'features', shape: [1, 8], datatype: 'FP32', data: HEALTHY }] });
  const unknown = await send('POST', '/v2/models/nope/infer', GEVENT, body);
  assert.equal(unknown.status, 404);
  assert.match(readError(unknown).message, /no model named 'nope'/);
  const config = await send('GET', '/v2/models/nope/config', CURL);
  assert.equal(config.status, 404);
  assert.equal(readError(config).code, 'MODEL_NOT_FOUND');
  const bad = await send('POST', '/v2/models/sensor-anomaly/infer', GEVENT, Buffer.from('{"inputs": ['));
  assert.equal(bad.status, 400);
  assert.equal(readError(bad).code, 'BAD_JSON');
});

test('a Triton timeout of 1 µs is the catalogue error, not a fallback answer (the client did not opt in)', async () => {
  const { body } = tritonBody({ inputs: [{ name: 'features', shape: [1, 8], datatype: 'FP32', data: [3.1, 6.2, 0.2, 0.1, 0.5, 81, 22, 30] }], parameters: { timeout: 1 } });
  const answer = await send('POST', '/v2/models/sensor-anomaly/infer', GEVENT, body);
  assert.equal(answer.status, 503, answer.body.toString());
  assert.equal(readError(answer).code, 'DEADLINE_INFEASIBLE');
  assert.equal(answer.headers['x-switchyard-fallback'], undefined);
});

test('repository extension: unload and load, admin key only, as the Python and C++ clients send them', async () => {
  const input = Buffer.from(JSON.stringify({ inputs: [{ name: 'input', shape: [1, 2], datatype: 'FP32', data: [1, 2] }] }));
  const unloadBody = Buffer.from(JSON.stringify({ parameters: { unload_dependents: false } }));
  const refused = await send('POST', '/v2/repository/models/identity/unload', GEVENT, unloadBody);
  assert.equal(refused.status, 401);
  assert.equal(readError(refused).code, 'UNAUTHENTICATED');

  const admin = { authorization: `Bearer ${adminKey}` };
  const unloaded = await send('POST', '/v2/repository/models/identity/unload', { ...GEVENT, ...admin }, unloadBody);
  assert.equal(unloaded.status, 200, unloaded.body.toString());
  const gone = await send('POST', '/v2/models/identity/infer', GEVENT, input);
  assert.equal(gone.status, 503);
  assert.equal(readError(gone).code, 'MODEL_NOT_READY');
  // The repository index, as both clients POST it: no body at all.
  const index = JSON.parse((await send('POST', '/v2/repository/index', GEVENT)).body.toString()) as { name: string; state: string; reason: string }[];
  assert.deepEqual(index.filter((e) => e.name === 'identity').map((e) => [e.state, e.reason]), [['UNAVAILABLE', 'unloaded through the repository API']]);

  // The C++ client's load: curl labels the JSON body form-urlencoded.
  const loaded = await send('POST', '/v2/repository/models/identity/load', { ...CURL, ...admin, 'content-type': 'application/x-www-form-urlencoded' }, Buffer.from('{}'));
  assert.equal(loaded.status, 200, loaded.body.toString());
  const back = await send('POST', '/v2/models/identity/infer', GEVENT, input);
  assert.equal(back.status, 200, back.body.toString());
  assert.deepEqual(readResult(back).output('output'), [1, 2]);
  // The C++ client's unload sends no body; an unknown model is a clear 404.
  const missing = await send('POST', '/v2/repository/models/nope/unload', { ...CURL, ...admin, 'content-type': 'application/x-www-form-urlencoded' }, Buffer.alloc(0));
  assert.equal(missing.status, 404);
  assert.equal(readError(missing).code, 'MODEL_NOT_FOUND');
});

/**
 * The upstream of the `upstream` benchmark: the least OIP v2 server for an identity model.
 * node:http, GET /v2/models/identity answers the contract, POST .../infer parses the body and
 * answers its FP32 `input` as `output`. Like Triton and KServe it takes the binary tensor data
 * extension (listed at GET /v2): a binary request's raw input bytes come back as the raw output
 * bytes when binary output is asked for. Small, so what the benchmark sees is the proxies.
 *
 *   node --import tsx bench/servers/oip-echo.ts  -> prints {"port":N}
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { announceAndServe } from './lifecycle.js';

const METADATA = JSON.stringify({
  name: 'identity',
  versions: ['1'],
  platform: 'bench_echo',
  inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, -1] }],
  outputs: [{ name: 'output', datatype: 'FP32', shape: [-1, -1] }],
});

const SERVER_METADATA = JSON.stringify({ name: 'bench_echo', version: '1', extensions: ['binary_tensor_data'] });

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

interface WireInput {
  name: string;
  datatype: string;
  shape: number[];
  data?: number[];
  parameters?: { binary_data_size?: number };
}

/** A binary request (JSON part, then the input's raw bytes): answered in kind when binary output is asked for. */
function answerBinary(res: ServerResponse, body: Buffer, jsonLength: number): void {
  const request = JSON.parse(body.toString('utf8', 0, jsonLength)) as { inputs: WireInput[]; outputs?: { parameters?: { binary_data?: boolean } }[] };
  const input = request.inputs.find((i) => i.name === 'input');
  const size = input?.parameters?.binary_data_size;
  if (!input || input.datatype !== 'FP32' || size === undefined || jsonLength + size !== body.length) throw new Error('identity takes one binary FP32 input named input');
  const bytes = body.subarray(jsonLength);
  if (request.outputs?.[0]?.parameters?.binary_data !== true) {
    const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    send(res, 200, `{"model_name":"identity","model_version":"1","outputs":[{"name":"output","datatype":"FP32","shape":[${input.shape.join(',')}],"data":[${values.join(',')}]}]}`);
    return;
  }
  const head = `{"model_name":"identity","model_version":"1","outputs":[{"name":"output","datatype":"FP32","shape":[${input.shape.join(',')}],"parameters":{"binary_data_size":${size}}}]}`;
  const headLength = Buffer.byteLength(head);
  const answer = Buffer.allocUnsafe(headLength + size);
  answer.write(head, 0, 'utf8');
  answer.set(bytes, headLength);
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'inference-header-content-length': headLength, 'content-length': answer.length });
  res.end(answer);
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '';
  if (req.method === 'GET' && url === '/v2') {
    req.resume();
    send(res, 200, SERVER_METADATA);
    return;
  }
  if (req.method === 'GET' && (url === '/v2/models/identity' || url === '/v2/models/identity/versions/1')) {
    req.resume();
    send(res, 200, METADATA);
    return;
  }
  if (req.method !== 'POST' || !/^\/v2\/models\/identity(\/versions\/1)?\/infer$/.test(url)) {
    req.resume();
    send(res, 404, '{"error":"not found"}');
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    try {
      const body = Buffer.concat(chunks);
      const jsonLength = req.headers['inference-header-content-length'];
      if (typeof jsonLength === 'string') {
        answerBinary(res, body, Number(jsonLength));
        return;
      }
      const request = JSON.parse(body.toString('utf8')) as { inputs: WireInput[] };
      const input = request.inputs.find((i) => i.name === 'input');
      if (!input?.data || input.datatype !== 'FP32') throw new Error('identity takes one FP32 input named input');
      send(res, 200, `{"model_name":"identity","model_version":"1","outputs":[{"name":"output","datatype":"FP32","shape":[${input.shape.join(',')}],"data":[${input.data.join(',')}]}]}`);
    } catch (error) {
      send(res, 400, JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
    }
  });
}

const server = createServer({ keepAliveTimeout: 60_000 }, handle);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
announceAndServe((server.address() as AddressInfo).port, async () => {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
});

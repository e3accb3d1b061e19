/**
 * The upstream of the `upstream` benchmark: the least OIP v2 server for an identity model.
 * node:http, GET /v2/models/identity answers the contract, POST .../infer parses the body and
 * answers its FP32 `input` as `output`. Same cost for both proxies in front of it, and small,
 * so what the benchmark sees is the proxies.
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

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '';
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
      const request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { inputs: { name: string; datatype: string; shape: number[]; data: number[] }[] };
      const input = request.inputs.find((i) => i.name === 'input');
      if (!input || input.datatype !== 'FP32') throw new Error('identity takes one FP32 input named input');
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

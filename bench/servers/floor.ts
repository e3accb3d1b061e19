/**
 * The floor: the least a server can do to answer an OIP infer request. node:http, JSON.parse
 * of the body, an ORT tensor built straight from it, the same ONNX model's
 * `InferenceSession.run()` on the main thread (same session options as Switchyard's workers),
 * and a minimal OIP JSON response. No validation, metadata, headers or metrics; FP32 inputs
 * only, which is all the benchmarked models take.
 *
 *   node --import tsx bench/servers/floor.ts identity sensor-anomaly  -> prints {"port":N}
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import ort from 'onnxruntime-node';
import { announceAndServe, modelNames, MODELS_DIR } from './lifecycle.js';

interface RequestTensor {
  name: string;
  datatype: string;
  shape: number[];
  data: number[];
}

const sessions = new Map<string, ort.InferenceSession>();
for (const name of modelNames(process.argv.slice(2))) {
  const bytes = readFileSync(new URL(`${name}/1/model.onnx`, MODELS_DIR));
  sessions.set(
    name,
    await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' }),
  );
}

const ROUTE = /^\/v2\/models\/([^/]+)\/infer$/;

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function infer(name: string, session: ort.InferenceSession, text: string): Promise<string> {
  const request = JSON.parse(text) as { inputs: RequestTensor[] };
  const feeds: Record<string, ort.Tensor> = {};
  for (const input of request.inputs) {
    if (input.datatype !== 'FP32') throw new Error(`floor server takes FP32 only, got ${input.datatype}`);
    feeds[input.name] = new ort.Tensor('float32', Float32Array.from(input.data), input.shape);
  }
  const results = await session.run(feeds);
  const outputs: string[] = [];
  for (const [outputName, tensor] of Object.entries(results)) {
    outputs.push(`{"name":${JSON.stringify(outputName)},"datatype":"FP32","shape":[${tensor.dims.join(',')}],"data":[${(tensor.data as Float32Array).join(',')}]}`);
  }
  return `{"model_name":${JSON.stringify(name)},"outputs":[${outputs.join(',')}]}`;
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const name = ROUTE.exec(req.url ?? '')?.[1];
  const session = name === undefined ? undefined : sessions.get(name);
  if (req.method !== 'POST' || name === undefined || session === undefined) {
    req.resume();
    send(res, 404, '{"error":"not found"}');
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    infer(name, session, Buffer.concat(chunks).toString('utf8')).then(
      (body) => send(res, 200, body),
      (error: unknown) => send(res, 400, JSON.stringify({ error: error instanceof Error ? error.message : String(error) })),
    );
  });
}

const server = createServer(handle);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

announceAndServe((server.address() as AddressInfo).port, async () => {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  await Promise.all([...sessions.values()].map((s) => s.release()));
});

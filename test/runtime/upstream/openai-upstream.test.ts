/**
 * The `upstream` backend over the OpenAI-compatible API (vLLM, TGI, llama.cpp, Ollama), against
 * a node:http server that speaks that protocol: chat, completions and embeddings.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EmbeddedServer } from '../../../src/main/server.js';
import { startTestServer } from '../../helpers/server.js';
import { writeRepository } from '../../helpers/repository.js';

let fake: Server;
let server: EmbeddedServer;
const seen: { path: string; authorization: string | undefined; body: Record<string, unknown> }[] = [];

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
}

before(async () => {
  fake = createServer((request, response) => {
    void readJson(request).then((body) => {
      seen.push({ path: request.url ?? '', authorization: request.headers.authorization, body });
      response.setHeader('content-type', 'application/json');
      if (request.url === '/v1/chat/completions') {
        const messages = body.messages as { role: string; content: string }[];
        const last = messages.at(-1)!.content;
        if (last === 'too long') {
          response.statusCode = 400;
          response.end(JSON.stringify({ error: { message: "This model's maximum context length is 8 tokens", type: 'invalid_request_error' } }));
          return;
        }
        response.end(JSON.stringify({ id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: `echo(${messages.length}): ${last}` }, finish_reason: 'stop' }] }));
      } else if (request.url === '/v1/completions') {
        response.end(JSON.stringify({ choices: [{ index: 0, text: `${String(body.prompt)} ...and then` }] }));
      } else if (request.url === '/v1/embeddings') {
        const input = body.input as string[];
        // Answered out of order on purpose: rows are put back by `index`.
        const data = input.map((text, index) => ({ object: 'embedding', index, embedding: [text.length, index, 0.5] })).reverse();
        response.end(JSON.stringify({ object: 'list', data }));
      } else {
        response.statusCode = 404;
        response.end('{"error":"no route"}');
      }
    });
  });
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
  process.env.SWITCHYARD_TEST_OPENAI_KEY = 'sk-test';
  const repository = writeRepository({
    chat: `backend: upstream
upstream: { protocol: openai, url: ${url}, endpoint: chat, model: tiny-llama, api_key_env: SWITCHYARD_TEST_OPENAI_KEY, options: { max_tokens: 16, temperature: 0 } }
max_batch_size: 8
inputs: [{ name: prompt, datatype: BYTES, shape: [-1], batch_axis: 0 }]
outputs: [{ name: text, datatype: BYTES, shape: [-1], batch_axis: 0 }]
`,
    complete: `backend: upstream
upstream: { protocol: openai, url: ${url}, endpoint: completions }
max_batch_size: 8
inputs: [{ name: prompt, datatype: BYTES, shape: [-1], batch_axis: 0 }]
outputs: [{ name: text, datatype: BYTES, shape: [-1], batch_axis: 0 }]
`,
    embed: `backend: upstream
upstream: { protocol: openai, url: ${url}, endpoint: embeddings, model: bge-small, hardware_class: l4, tier: cloud, cost_per_hour: 0.8 }
max_batch_size: 64
inputs: [{ name: text, datatype: BYTES, shape: [-1], batch_axis: 0 }]
outputs: [{ name: embedding, datatype: FP32, shape: [-1, 3], batch_axis: 0 }]
`,
    'bad-shape': `backend: upstream
upstream: { protocol: openai, url: ${url}, endpoint: embeddings }
inputs: [{ name: text, datatype: BYTES, shape: [-1] }]
outputs: [{ name: embedding, datatype: BYTES, shape: [-1] }]
`,
  });
  server = await startTestServer(repository);
});

after(async () => {
  await server?.close();
  fake?.closeAllConnections();
  await new Promise((resolve) => fake?.close(resolve));
  delete process.env.SWITCHYARD_TEST_OPENAI_KEY;
});

async function infer(model: string, inputs: object[]) {
  return server.app.inject({ method: 'POST', url: `/v2/models/${model}/infer`, payload: { inputs } });
}

test('a contract that cannot front the endpoint is refused at load', async () => {
  const index = (await server.app.inject({ method: 'POST', url: '/v2/repository/index' })).json<{ name: string; state: string; reason: string }[]>();
  assert.deepEqual(index.map((e) => `${e.name}:${e.state}`), ['bad-shape:UNAVAILABLE', 'chat:READY', 'complete:READY', 'embed:READY']);
  assert.match(index[0]!.reason, /embeddings: the output must be FP32 of shape \[rows, dimensions\]/);
});

test('chat: one call per text with the model, options and bearer token; a JSON conversation is sent whole', async () => {
  seen.length = 0;
  const conversation = JSON.stringify([{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }]);
  const response = await infer('chat', [{ name: 'prompt', datatype: 'BYTES', shape: [2], data: ['hello there', conversation] }]);
  assert.equal(response.statusCode, 200, response.body);
  const output = response.json<{ outputs: { name: string; datatype: string; shape: number[]; data: string[] }[] }>().outputs[0]!;
  assert.deepEqual(output, { name: 'text', datatype: 'BYTES', shape: [2], data: ['echo(1): hello there', 'echo(2): hi'] });
  assert.equal(seen.length, 2);
  for (const call of seen) {
    assert.equal(call.path, '/v1/chat/completions');
    assert.equal(call.authorization, 'Bearer sk-test');
    assert.equal(call.body.model, 'tiny-llama');
    assert.equal(call.body.max_tokens, 16);
  }
  assert.equal(response.headers['x-switchyard-backend'], 'upstream');
});

test("chat: the upstream's 400 for the caller's input is a 400 UPSTREAM_REJECTED with its reason", async () => {
  const response = await infer('chat', [{ name: 'prompt', datatype: 'BYTES', shape: [1], data: ['too long'] }]);
  assert.equal(response.statusCode, 400);
  const body = response.json<{ code: string; error: string }>();
  assert.equal(body.code, 'UPSTREAM_REJECTED');
  assert.match(body.error, /maximum context length is 8 tokens/);
});

test('completions: the prompt goes out, the text comes back', async () => {
  const response = await infer('complete', [{ name: 'prompt', datatype: 'BYTES', shape: [1], data: ['once upon a time'] }]);
  assert.equal(response.statusCode, 200, response.body);
  assert.deepEqual(response.json<{ outputs: { data: string[] }[] }>().outputs[0]!.data, ['once upon a time ...and then']);
});

test('embeddings: one call for all texts, rows in input order, on the declared class and tier', async () => {
  seen.length = 0;
  const response = await infer('embed', [{ name: 'text', datatype: 'BYTES', shape: [3], data: ['a', 'bbb', 'cc'] }]);
  assert.equal(response.statusCode, 200, response.body);
  const output = response.json<{ outputs: { datatype: string; shape: number[]; data: number[] }[] }>().outputs[0]!;
  assert.equal(output.datatype, 'FP32');
  assert.deepEqual(output.shape, [3, 3]);
  assert.deepEqual(output.data, [1, 0, 0.5, 3, 1, 0.5, 2, 2, 0.5]);
  assert.equal(seen.length, 1);
  assert.deepEqual(seen[0]!.body, { model: 'bge-small', input: ['a', 'bbb', 'cc'] });
  assert.equal(response.headers['x-switchyard-hardware-class'], 'l4');
  assert.equal(response.headers['x-switchyard-tier'], 'cloud');
});

/**
 * Small model servers on 127.0.0.1 port 0 for the upstream backends: an OIP server and an
 * OpenAI-compatible one that echo their input, fail with a page of internals on a marked input,
 * hold their answers on cue, and count the connections open to them.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeUpstream {
  readonly url: string;
  /** Answers nothing from now on until the returned release is called; then answers all held. */
  hold(): () => void;
  /** Connections open to the server now. */
  openConnections(): number;
  close(): Promise<void>;
}

/** What the fakes answer a request marked to fail (HTTP 500): nothing of it may reach a caller. */
export const FAKE_FAILURE_BODY = 'Traceback (most recent call last): File "/srv/model.py", line 42, in predict: secret=hunter2';

type Handler = (request: IncomingMessage, body: Buffer, response: ServerResponse) => void;

async function startFake(handle: Handler): Promise<FakeUpstream> {
  const sockets = new Set<Socket>();
  let held: (() => void)[] | undefined;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const answer = (): void => handle(request, Buffer.concat(chunks), response);
      if (held) held.push(answer);
      else answer();
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hold() {
      const mine: (() => void)[] = [];
      held = mine;
      return () => {
        if (held === mine) held = undefined;
        for (const answer of mine) answer();
      };
    },
    openConnections: () => sockets.size,
    async close() {
      for (const answer of held ?? []) answer();
      held = undefined;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.statusCode = status;
  response.setHeader('content-type', 'application/json');
  response.end(JSON.stringify(body));
}

function fail(response: ServerResponse): void {
  response.statusCode = 500;
  response.setHeader('content-type', 'text/plain');
  response.end(FAKE_FAILURE_BODY);
}

export interface FakeOipTensor {
  readonly name: string;
  readonly datatype: string;
  readonly shape: readonly number[];
}

/**
 * An OIP server with one model, `echo`, whose output (FP32, named `output.name`) is its one FP32
 * input. `binary`: it lists the binary tensor data extension and answers binary requests in
 * kind. An input holding a negative number fails with HTTP 500 and a page of internals.
 */
export function startFakeOip(options: { readonly input: FakeOipTensor; readonly output: FakeOipTensor; readonly binary: boolean }): Promise<FakeUpstream> {
  const { input, output, binary } = options;
  return startFake((request, body, response) => {
    if (request.method === 'GET' && request.url === '/v2') {
      json(response, 200, { name: 'fake-oip', version: '1', extensions: binary ? ['binary_tensor_data'] : [] });
    } else if (request.method === 'GET' && request.url === '/v2/models/echo') {
      json(response, 200, { name: 'echo', versions: ['1'], platform: 'fake', inputs: [input], outputs: [output] });
    } else if (request.method === 'POST' && request.url === '/v2/models/echo/infer') {
      const headLength = Number(request.headers['inference-header-content-length'] ?? body.length);
      const head = JSON.parse(body.toString('utf8', 0, headLength)) as { inputs: { shape: number[]; data?: number[] }[] };
      const sent = head.inputs[0]!;
      const values = sent.data ?? Array.from(new Float32Array(new Uint8Array(body.subarray(headLength)).buffer));
      if (values.some((v) => v < 0)) return fail(response);
      if (request.headers['inference-header-content-length'] === undefined) {
        json(response, 200, { model_name: 'echo', outputs: [{ name: output.name, datatype: 'FP32', shape: sent.shape, data: values }] });
        return;
      }
      const bytes = Buffer.from(Float32Array.from(values).buffer);
      const answerHead = JSON.stringify({ model_name: 'echo', outputs: [{ name: output.name, datatype: 'FP32', shape: sent.shape, parameters: { binary_data_size: bytes.length } }] });
      response.setHeader('content-type', 'application/octet-stream');
      response.setHeader('inference-header-content-length', String(Buffer.byteLength(answerHead)));
      response.end(Buffer.concat([Buffer.from(answerHead), bytes]));
    } else {
      json(response, 404, { error: `no route ${request.method} ${request.url}` });
    }
  });
}

/** An OpenAI-compatible chat server whose answer is `echo:` and the last message; the text `fail` fails with HTTP 500. */
export function startFakeOpenAi(): Promise<FakeUpstream> {
  return startFake((request, body, response) => {
    if (request.method !== 'POST' || request.url !== '/v1/chat/completions') {
      json(response, 404, { error: { message: `no route ${request.method} ${request.url}` } });
      return;
    }
    const { messages } = JSON.parse(body.toString('utf8')) as { messages: { content: string }[] };
    const text = messages.at(-1)?.content ?? '';
    if (text === 'fail') return fail(response);
    json(response, 200, { id: 'chat-1', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: `echo:${text}` }, finish_reason: 'stop' }] });
  });
}

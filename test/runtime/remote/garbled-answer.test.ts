/**
 * A node whose data plane answers 200 with something that is not a batch answer: the batch
 * rejects with a BackendError (the Backend contract), not the raw WireError or TypeError of
 * reading it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BackendError } from '../../../src/runtime/backend.js';
import { NodeConnection, RemoteBackend } from '../../../src/runtime/remote/remote-backend.js';

const answers = ['not json', '{"outputs": 5}', 'null', '{"outputs": {"y": {"datatype": "FP32", "shape": [1], "data": "AA=="}}}'];
let server: Server;
let connection: NodeConnection;

before(async () => {
  server = createServer((request, response) => {
    const answer = answers[Number(request.headers['x-answer'] ?? 0)] ?? 'null';
    request.resume();
    request.on('end', () => response.end(answer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  connection = new NodeConnection(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 'secret', 5000);
});

after(async () => {
  await connection.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

test('a 200 answer that is not a batch answer rejects the batch with a BackendError', async () => {
  const headers = connection.headers.bind(connection);
  for (const [i, answer] of answers.entries()) {
    connection.headers = () => ({ ...headers(), 'x-answer': String(i) });
    const backend = new RemoteBackend(connection, 'r1', { kind: 'onnx', hardwareClass: 'cpu-x86', device: 'n/cpu:0', simulated: false });
    const error = await backend.run({ x: { datatype: 'FP32', shape: [1], data: new Float32Array(1) } }, ['y']).then(
      () => assert.fail(`resolved on ${answer}`),
      (e: unknown) => e,
    );
    assert.ok(error instanceof BackendError, `${answer}: rejected with ${String(error)}`);
    assert.match(error.message, /answered a batch that cannot be read/);
    assert.equal(backend.inFlight, 0);
  }
});

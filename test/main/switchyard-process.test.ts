/**
 * Over real sockets: `switchyard up` as its own process, the typed client and the CLI against it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { SwitchyardClient, SwitchyardClientError } from '../../src/client/client.js';

const run = promisify(execFile);
const ENTRY = new URL('../../src/main/switchyard.ts', import.meta.url).pathname;
const NODE = [process.execPath, '--import', 'tsx', ENTRY] as const;

let child: ChildProcess;
let url: string;
let client: SwitchyardClient;

before(async () => {
  child = spawn(NODE[0], [...NODE.slice(1), 'up', '--port', '0', '--data-dir', '/tmp/switchyard-process-test'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    // The first start also prints the initial admin key as plain text.
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { msg: string; address?: string };
    if (entry.address) {
      url = entry.address;
      break;
    }
  }
  client = new SwitchyardClient({ baseUrl: url });
});

after(async () => {
  await client.close();
  if (child.exitCode === null) {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
});

test('binds loopback by default and serves the demo models', async () => {
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(await client.live(), true);
  const index = await client.repositoryIndex();
  assert.deepEqual(index.map((e) => `${e.name}:${e.state}`), ['identity:READY', 'sensor-anomaly:READY', 'silero-vad:READY']);
});

test('the typed client runs an inference and sees the metadata headers', async () => {
  const { response, headers } = await client.infer('sensor-anomaly', {
    inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 8], data: [0.955, 2.786, 0.3726, 0.0407, 0.0781, 56.3, 22.6, 26.42] }],
  });
  assert.equal(response.model_name, 'sensor-anomaly');
  assert.ok((response.outputs[0]?.data[0] as number) < 0.5);
  assert.equal(headers['x-switchyard-model'], 'sensor-anomaly');
  assert.match(headers['server-timing'] ?? '', /^queue;dur=/);
  await assert.rejects(client.infer('nope', { inputs: [] }), (error: unknown) => error instanceof SwitchyardClientError && error.status === 404 && error.code === 'MODEL_NOT_FOUND');
});

test('`switchyard models` lists versions with state and digest', async () => {
  const { stdout } = await run(NODE[0], [...NODE.slice(1), 'models', '--url', url]);
  const lines = stdout.trim().split('\n');
  assert.match(lines[0] ?? '', /^MODEL\s+VERSION\s+STATE\s+DIGEST/);
  assert.match(lines.find((l) => l.startsWith('sensor-anomaly')) ?? '', /^sensor-anomaly\s+1\s+READY\s+sha256:[0-9a-f]{12}/);
});

test('`switchyard infer` sends --input values with the shape worked out from the contract', async () => {
  const { stdout } = await run(NODE[0], [...NODE.slice(1), 'infer', 'identity', '--url', url, '--input', 'input=1,2,3']);
  const response = JSON.parse(stdout) as { outputs: { shape: number[]; data: number[] }[] };
  assert.deepEqual(response.outputs[0]?.shape, [1, 3]);
  assert.deepEqual(response.outputs[0]?.data, [1, 2, 3]);
  const failed = await run(NODE[0], [...NODE.slice(1), 'infer', 'sensor-anomaly', '--url', url, '--input', 'features=1,2,3']).catch((e: { code: number; stderr: string }) => e);
  assert.equal((failed as { code: number }).code, 1);
  assert.match((failed as { stderr: string }).stderr, /error: input 'features': 3 values do not fill whole rows of 8/);
});

test('a bad configuration stops `up` with a message naming the key', async () => {
  const failed = await run(NODE[0], [...NODE.slice(1), 'up', '--port', 'http'], { env: { ...process.env } }).catch((e: { code: number; stderr: string }) => e);
  assert.equal((failed as { code: number }).code, 2);
  assert.match((failed as { stderr: string }).stderr, /port \(from flag --port\): must be integer, got "http"/);
});

test('a missing model repository stops `up` with a clear message', async () => {
  const failed = await run(NODE[0], [...NODE.slice(1), 'up', '--port', '0', '--model-repository', '/nonexistent/models']).catch((e: { code: number; stderr: string }) => e);
  assert.equal((failed as { code: number }).code, 2);
  assert.match((failed as { stderr: string }).stderr, /model repository \/nonexistent\/models cannot be read \(ENOENT\)/);
});

test('SIGTERM drains and exits cleanly', async () => {
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0);
});

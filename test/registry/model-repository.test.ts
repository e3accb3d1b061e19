import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EmbeddedServer } from '../../src/main/server.js';
import { digestOf, matmulChain, scratchRepository, writeVersion } from '../fixtures/onnx-fixtures.js';
import { smallModelConfig } from '../fixtures/small-model.js';
import { startTestServer } from '../helpers/server.js';

const bytes = matmulChain(8, 1);
const digest = digestOf(bytes);
let server: EmbeddedServer;
let root: string;

before(async () => {
  root = scratchRepository();
  writeVersion(root, 'good', '1', { 'model.onnx': bytes, 'model.yaml': smallModelConfig(digest) });
  writeVersion(root, 'good', '2', { 'model.onnx': bytes, 'model.yaml': smallModelConfig(digest) });
  // A file changed after its digest was pinned.
  const tampered = Uint8Array.from(bytes);
  tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 0xff;
  writeVersion(root, 'tampered', '1', { 'model.onnx': tampered, 'model.yaml': smallModelConfig(digest) });
  writeVersion(root, 'bad-yaml', '1', { 'model.onnx': bytes, 'model.yaml': 'inputs: [\n' });
  writeVersion(root, 'bad-schema', '1', { 'model.onnx': bytes, 'model.yaml': smallModelConfig(digest).replace('datatype: FP32, shape: [-1, 8], batch_axis: 0 }\noutputs', 'datatype: FLOAT, shape: [-1, 8], batch_axis: 3 }\noutputs') + 'colour: blue\n' });
  writeVersion(root, 'traversal', '1', { 'model.yaml': smallModelConfig(digest).replace('artifact: model.onnx', 'artifact: ../../good/1/model.onnx') });
  const linkDir = writeVersion(root, 'symlink', '1', { 'model.yaml': smallModelConfig(digest) });
  symlinkSync(join(root, 'good', '1', 'model.onnx'), join(linkDir, 'model.onnx'));
  writeVersion(root, 'not-onnx', '1', { 'model.onnx': 'this is not a model', 'model.yaml': smallModelConfig(digestOf(new TextEncoder().encode('this is not a model'))) });
  writeVersion(root, 'wrong-contract', '1', { 'model.onnx': bytes, 'model.yaml': smallModelConfig(digest).replace('name: x, datatype: FP32, shape: [-1, 8]', 'name: x, datatype: FP32, shape: [-1, 9]') });
  writeVersion(root, 'no-config', '1', { 'model.onnx': bytes });
  writeFileSync(join(root, 'README.md'), 'not a model folder');
  server = await startTestServer(root);
});
after(() => server.close());

async function index(): Promise<Map<string, { state: string; reason: string; digest?: string }>> {
  const response = await server.app.inject({ method: 'POST', url: '/v2/repository/index' });
  assert.equal(response.statusCode, 200);
  const entries = response.json<{ name: string; version: string; state: string; reason: string; digest?: string }[]>();
  return new Map(entries.map((e) => [`${e.name}/${e.version}`, e]));
}

test('good versions serve while bad ones are refused with a clear reason', async () => {
  const entries = await index();
  const expectations: [string, RegExp][] = [
    ['tampered/1', /^artifact digest mismatch: model\.yaml pins sha256:[0-9a-f]{64} but 'model\.onnx' is sha256:/],
    ['bad-yaml/1', /^invalid model\.yaml: not valid YAML/],
    ['bad-schema/1', /^invalid model\.yaml: model\.yaml: unknown key 'colour'; inputs\.0\.datatype: must be one of BOOL/],
    ['traversal/1', /^invalid model\.yaml: artifact: must match pattern/],
    ['symlink/1', /^artifact 'model\.onnx' is not a regular file \(symlinks are refused\)/],
    ['not-onnx/1', /^ONNX Runtime refused the model/],
    ['wrong-contract/1', /^contract does not match the artifact: input 'x' axis 1: contract says 9 but the artifact says 8/],
    ['no-config/1', /^model\.yaml is missing or unreadable/],
  ];
  for (const [key, reason] of expectations) {
    const entry = entries.get(key);
    assert.ok(entry, `${key} missing from the index`);
    assert.equal(entry.state, 'UNAVAILABLE', key);
    assert.match(entry.reason, reason, key);
  }
  assert.equal(entries.get('good/1')?.state, 'READY');
  assert.equal(entries.get('good/2')?.digest, digest, 'the digest is computed at load and reported');
  assert.equal(entries.size, 10);
  const readyOnly = await server.app.inject({ method: 'POST', url: '/v2/repository/index', payload: { ready: true } });
  assert.deepEqual(readyOnly.json<{ name: string }[]>().map((e) => e.name), ['good', 'good']);
});

test('a refused version answers 503 MODEL_NOT_READY with its reason and Retry-After', async () => {
  const response = await server.app.inject({
    method: 'POST',
    url: '/v2/models/tampered/infer',
    payload: { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 8], data: [1, 2, 3, 4, 5, 6, 7, 8] }] },
  });
  assert.equal(response.statusCode, 503);
  assert.equal(response.headers['retry-after'], '60');
  const error = response.json<{ code: string; error: string }>();
  assert.equal(error.code, 'MODEL_NOT_READY');
  assert.match(error.error, /refused at load: artifact digest mismatch/);
  const ready = await server.app.inject({ method: 'GET', url: '/v2/models/tampered/ready' });
  assert.equal(ready.statusCode, 503);
  assert.deepEqual(ready.json(), { name: 'tampered', ready: false });
  const metadata = await server.app.inject({ method: 'GET', url: '/v2/models/tampered' });
  assert.equal(metadata.json<{ parameters: { state: string } }>().parameters.state, 'UNAVAILABLE');
});

test('the server is ready and the good model answers', async () => {
  const ready = await server.app.inject({ method: 'GET', url: '/v2/health/ready' });
  assert.deepEqual([ready.statusCode, ready.json()], [200, { ready: true }]);
  const response = await server.app.inject({
    method: 'POST',
    url: '/v2/models/good/infer',
    payload: { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 8], data: [1, 0, 0, 0, 0, 0, 0, 0] }] },
  });
  assert.equal(response.statusCode, 200, response.body);
  assert.equal(response.headers['x-switchyard-model-version'], '2', 'without a version the newest ready one answers');
});

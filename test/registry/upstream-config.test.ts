import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelConfigError, parseModelConfig } from '../../src/registry/model-config.js';
import { compileConfig, ConfigError } from '../../src/core/config.js';

const CONTRACT = 'inputs: [{ name: x, datatype: FP32, shape: [-1] }]\noutputs: [{ name: y, datatype: FP32, shape: [-1] }]\n';

function problems(yaml: string): readonly string[] {
  try {
    parseModelConfig(yaml);
  } catch (error) {
    if (error instanceof ModelConfigError) return error.problems;
    throw error;
  }
  return [];
}

test('an upstream model.yaml compiles with its defaults', () => {
  const config = parseModelConfig(`backend: upstream\nupstream: { protocol: oip, url: 'http://127.0.0.1:8001/', model: resnet, version: '3' }\n${CONTRACT}`);
  assert.equal(config.backend, 'upstream');
  assert.equal(config.artifact, '');
  assert.deepEqual(config.upstream?.urls, ['http://127.0.0.1:8001']);
  assert.equal(config.upstream?.hardwareClass, 'upstream');
  assert.equal(config.upstream?.tier, 'onprem');
  assert.equal(config.upstream?.passBatches, false);
  assert.equal(config.upstream?.connectTimeoutMs, 2000);
});

test('what each backend needs is checked, naming every problem', () => {
  assert.deepEqual(problems(`backend: onnx\n${CONTRACT}`), ["backend onnx needs 'artifact' (the .onnx file in this folder)"]);
  assert.deepEqual(problems(`backend: upstream\nartifact: model.onnx\n${CONTRACT}`), ["backend upstream has no artifact: remove 'artifact' and 'digest'", "backend upstream needs an 'upstream' section (protocol and url)"]);
  assert.deepEqual(problems(`backend: upstream\nupstream: { protocol: openai, url: 'http://h:1', version: '2' }\n${CONTRACT}`), ['upstream.endpoint (chat | completions | embeddings) is required for protocol openai', 'upstream.version is only for protocol oip']);
  assert.deepEqual(problems(`backend: upstream\nupstream: { protocol: oip }\n${CONTRACT}`), ['upstream needs exactly one of url or urls']);
  assert.match(problems(`backend: upstream\nupstream: { protocol: oip, url: 'file:///etc/passwd' }\n${CONTRACT}`).join(), /upstream\.url: must match pattern/);
});

test('residency: a tenant or model naming an undefined policy stops the server with the key', () => {
  const raw = new Map([['residency', { value: { tenants: { bank: 'onprem-ony' } }, source: 'file x.yaml' }]]);
  assert.throws(() => compileConfig(raw, '/'), (error: unknown) => error instanceof ConfigError && /residency\.tenants\.bank: policy 'onprem-ony' is not defined; policies: onprem-only, any/.test(error.message));
  const ok = compileConfig(new Map([['residency', { value: { policies: { 'edge-only': ['edge'] }, models: { vad: 'edge-only' } }, source: 'test' }]]), '/');
  assert.deepEqual(ok.residency.policies['edge-only'], ['edge']);
  assert.equal(ok.residency.defaultPolicy, 'any');
});

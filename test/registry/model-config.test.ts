import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelConfigError, parseModelConfig } from '../../src/registry/model-config.js';

const base = (tensors: string, extra = 'max_batch_size: 4\n') => `backend: onnx
artifact: model.onnx
${extra}inputs:
${tensors}
outputs:
  - { name: y, datatype: FP32, shape: [-1, 8], batch_axis: 0 }
`;

function refused(text: string): string[] {
  try {
    parseModelConfig(text);
  } catch (error) {
    assert.ok(error instanceof ModelConfigError);
    return [...error.problems];
  }
  assert.fail('expected the config to be refused');
}

test('a valid config compiles with defaults filled in', () => {
  const config = parseModelConfig(base('  - { name: x, datatype: FP32, shape: [-1, 8], batch_axis: 0 }'));
  assert.equal(config.latencyClass, 'realtime');
  assert.equal(config.contract.maxBatchSize, 4);
  assert.deepEqual(config.contract.inputs[0], { name: 'x', datatype: 'FP32', shape: [-1, 8], batchAxis: 0, description: undefined });
  assert.equal(config.digest, undefined);
  assert.ok(Object.isFrozen(config.contract.inputs));
});

test('semantic problems are all named', () => {
  const problems = refused(base([
    '  - { name: x, datatype: FP32, shape: [-1, 8], batch_axis: 2 }',
    '  - { name: x, datatype: FP32, shape: [4, 8], batch_axis: 0 }',
  ].join('\n')));
  assert.deepEqual(problems, [
    "inputs[0] 'x': batch_axis 2 is outside a shape of rank 2",
    "inputs[1]: duplicate name 'x'",
    "inputs[1] 'x': the batch axis must be -1 in shape",
  ]);
});

test('a batch axis on a model that does not batch is refused', () => {
  const problems = refused(base('  - { name: x, datatype: FP32, shape: [-1, 8], batch_axis: 0 }', ''));
  assert.ok(problems.includes("inputs[0] 'x': batch_axis set but max_batch_size is 0"), problems.join('\n'));
});

test('schema problems name the path and what is allowed', () => {
  const problems = refused(base('  - { name: x, datatype: FP32, shape: [0, 8] }', 'max_batch_size: 4\nlatency_class: fast\ndigest: md5:abc\n'));
  assert.ok(problems.some((p) => p === 'latency_class: must be one of realtime | throughput'), problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith('digest: must match pattern')), problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith('inputs.0.shape.0')), problems.join('\n'));
});

test('an artifact name that could leave its folder is refused', () => {
  for (const artifact of ['../model.onnx', '/etc/passwd', 'sub/model.onnx', '..', '.', 'model.onnx\u0000.txt', '%2e%2e%2fmodel.onnx']) {
    const problems = refused(base('  - { name: x, datatype: FP32, shape: [-1, 8], batch_axis: 0 }').replace('artifact: model.onnx', `artifact: ${JSON.stringify(artifact)}`));
    assert.ok(problems.some((p) => p.startsWith('artifact: must match pattern')), `${artifact}: ${problems.join('; ')}`);
  }
});

test('an slo block is one SLO or a list, one per latency class, validated like the admin API', () => {
  const tensors = '  - { name: x, datatype: FP32, shape: [-1, 8], batch_axis: 0 }';
  assert.deepEqual(parseModelConfig(base(tensors)).slos, []);
  const one = parseModelConfig(base(tensors, 'max_batch_size: 4\nslo:\n  latency_threshold_ms: 50\n  latency_target: 0.99\n  actions: [alert, shed]\n'));
  assert.deepEqual(one.slos, [{ latency_threshold_ms: 50, latency_target: 0.99, actions: ['alert', 'shed'] }]);
  const two = parseModelConfig(base(tensors, 'max_batch_size: 4\nslo:\n  - { latency_class: realtime, latency_threshold_ms: 25 }\n  - { latency_class: throughput, latency_threshold_ms: 250, window_days: 7 }\n'));
  assert.equal(two.slos.length, 2);
  assert.ok(refused(base(tensors, 'max_batch_size: 4\nslo:\n  - { latency_threshold_ms: 25 }\n  - { latency_class: realtime }\n')).some((p) => p.includes('two SLOs for latency class')));
  assert.ok(refused(base(tensors, 'max_batch_size: 4\nslo:\n  latency_target: 1\n')).length > 0, 'a 100% target leaves no budget');
  assert.ok(refused(base(tensors, 'max_batch_size: 4\nslo:\n  actions: [reboot]\n')).length > 0);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseModelConfig, ModelConfigError } from '../../src/registry/model-config.js';
import { loadRulesBackend } from '../../src/runtime/rules/rules-backend.js';

const contract = parseModelConfig(`backend: rules
artifact: rules.json
max_batch_size: 8
inputs:
  - { name: x, datatype: FP32, shape: [-1, 2], batch_axis: 0 }
outputs:
  - { name: score, datatype: FP32, shape: [-1, 1], batch_axis: 0 }
  - { name: probs, datatype: FP32, shape: [-1, 2], batch_axis: 0 }
`).contract;

const json = (doc: object): Uint8Array => new TextEncoder().encode(JSON.stringify(doc));

const thresholds = {
  kind: 'thresholds',
  input: 'x',
  features: ['temp', 'vib'],
  rules: [
    { name: 'hot', when: [{ feature: 'temp', above: 80 }], outputs: { score: [0.9], probs: [0.1, 0.9] } },
    { name: 'shaky', when: [{ feature: 'vib', above: 1 }, { feature: 'temp', below: 80 }], outputs: { score: [0.7], probs: [0.3, 0.7] } },
  ],
  default: { score: [0.05], probs: [0.95, 0.05] },
};

test('threshold rules: the first rule whose conditions all hold answers each row, else the default', async () => {
  const backend = loadRulesBackend(json(thresholds), 'test', contract);
  assert.equal(backend.describe().kind, 'rules');
  const rows = [90, 2, 50, 2, 50, 0.5, 80, 0.5]; // hot (first rule wins), shaky, default, default (80 is not above 80)
  const result = await backend.run({ x: { datatype: 'FP32', shape: [4, 2], data: Float32Array.from(rows) } }, ['score', 'probs']);
  assert.deepEqual(result.outputs.score?.shape, [4, 1]);
  assert.deepEqual(Array.from(result.outputs.score.data as Float32Array).map((v) => Math.round(v * 100) / 100), [0.9, 0.7, 0.05, 0.05]);
  assert.deepEqual(result.outputs.probs?.shape, [4, 2]);
  assert.deepEqual(Array.from(result.outputs.probs.data as Float32Array).slice(0, 2).map((v) => Math.round(v * 100) / 100), [0.1, 0.9]);
});

test('rules that do not fit the contract are refused at load, naming the problem', () => {
  assert.throws(() => loadRulesBackend(json({ ...thresholds, default: { score: [0.05] } }), 'test', contract), /default has no 'probs' output/);
  assert.throws(() => loadRulesBackend(json({ ...thresholds, features: ['temp', 'vib', 'extra'] }), 'test', contract), /has 2 columns but the rules name 3 features/);
  assert.throws(() => loadRulesBackend(json({ ...thresholds, rules: [{ name: 'r', when: [{ feature: 'nope', above: 1 }], outputs: { score: [1], probs: [0, 1] } }] }), 'test', contract), /unknown feature 'nope'/);
  assert.throws(() => loadRulesBackend(json({ kind: 'vader-sentiment', input: 'x', output: 'score', scores: ['compound'] }), 'test', contract), /must be a BYTES input/);
  assert.throws(() => loadRulesBackend(new TextEncoder().encode('{'), 'test', contract), /not valid JSON/);
  assert.throws(() => loadRulesBackend(json({ kind: 'magic' }), 'test', contract), /rules test:/);
});

test('model.yaml fallbacks: each kind parses with its defaults; a static answer must fit the outputs', () => {
  const base = `backend: onnx\nartifact: model.onnx\nmax_batch_size: 4\ninputs:\n  - { name: x, datatype: FP32, shape: [-1, 2], batch_axis: 0 }\noutputs:\n  - { name: y, datatype: FP32, shape: [-1, 3], batch_axis: 0 }\n`;
  const config = parseModelConfig(`${base}fallbacks:\n  - { kind: cache }\n  - { kind: deployment, model: small }\n  - { kind: rules, file: r.json }\n  - { kind: static, outputs: { y: [1, 2, 3] } }\ndrift_reference: ref.json\n`);
  assert.deepEqual(config.fallbacks.map((f) => f.kind), ['cache', 'deployment', 'rules', 'static']);
  assert.deepEqual(config.fallbacks[0], { kind: 'cache', maxEntries: 1000, maxBytes: 16 * 1024 * 1024, ttlMs: 300_000 });
  assert.equal(config.driftReference, 'ref.json');
  assert.throws(() => parseModelConfig(`${base}fallbacks:\n  - { kind: static, outputs: { y: [1, 2] } }\n`), (e: unknown) => e instanceof ModelConfigError && /2 values, but one row of shape \[-1, 3\] has 3/.test(e.message));
  assert.throws(() => parseModelConfig(`${base}fallbacks:\n  - { kind: rules, file: ../x.json }\n`), ModelConfigError);
  assert.throws(() => parseModelConfig(`${base}fallbacks:\n  - { kind: cache, bogus: 1 }\n`), ModelConfigError);
});

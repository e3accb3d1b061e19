/** The Backend suite over the `rules` backend: threshold rules whose answer is the input's band. */
import { parseModelConfig } from '../../../src/registry/model-config.js';
import { loadRulesBackend } from '../../../src/runtime/rules/rules-backend.js';
import { backendSuite } from './backend-suite.js';

const { contract } = parseModelConfig(`backend: rules
artifact: rules.json
max_batch_size: 8
inputs:
  - { name: x, datatype: FP32, shape: [-1, 1], batch_axis: 0 }
outputs:
  - { name: score, datatype: FP32, shape: [-1, 1], batch_axis: 0 }
  - { name: probs, datatype: FP32, shape: [-1, 2], batch_axis: 0 }
`);

/** Seed i answers score i (one rule per band around each integer 1..7; 0 is the default). */
const bands = Array.from({ length: 7 }, (_, k) => k + 1);
const document = {
  kind: 'thresholds',
  input: 'x',
  features: ['v'],
  rules: bands.map((i) => ({ name: `band-${i}`, when: [{ feature: 'v', above: i - 0.5, below: i + 0.5 }], outputs: { score: [i], probs: [i / 8, 1 - i / 8] } })),
  default: { score: [0], probs: [0, 1] },
};

const rows = (seed: number): number => 1 + (seed % 3);

backendSuite(
  'rules',
  {
    kind: 'rules',
    simulated: false,
    settlesBeforeReturn: 'rules run on the calling thread in microseconds: run() returns a settled promise',
    cannotFail: 'rules answer every contract-valid batch: the document is checked against the contract at load',
  },
  async () => ({
    backend: loadRulesBackend(new TextEncoder().encode(JSON.stringify(document)), 'bands', contract),
    // `probs` is left unasked: the answer must not carry it.
    outputNames: ['score'],
    inputs: (seed) => ({ x: { datatype: 'FP32', shape: [rows(seed), 1], data: new Float32Array(rows(seed)).fill(seed) } }),
    expected: (seed) => ({ score: { datatype: 'FP32', shape: [rows(seed), 1], data: new Float32Array(rows(seed)).fill(seed) } }),
    dispose: async () => undefined,
  }),
);

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSwitchyardError } from '../../src/core/errors.js';
import { compareContracts } from '../../src/registry/contracts/compatibility.js';
import { parseContract } from '../../src/registry/contracts/version-contract.js';

const base = {
  inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 8] }, { name: 'mask', datatype: 'BOOL', shape: [-1, 8], optional: true }],
  outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 2] }],
  max_batch_size: 8,
  parameters: { type: 'object', additionalProperties: false, properties: { temperature: { type: 'number', minimum: 0, maximum: 2 }, mode: { enum: ['fast', 'exact'] } } },
};

type Contract = typeof base;
const edit = (f: (c: Contract) => void): Contract => {
  const copy = structuredClone(base);
  f(copy);
  return copy;
};

function verdict(after: Contract): { breaking: boolean; paths: string[] } {
  const report = compareContracts(parseContract(base), parseContract(after));
  return { breaking: report.breaking, paths: report.changes.filter((c) => c.kind === (report.breaking ? 'breaking' : 'compatible')).map((c) => c.path) };
}

const cases: [string, Contract, boolean, string][] = [
  ['unchanged', base, false, ''],
  ['input removed', edit((c) => c.inputs.splice(1, 1)), true, 'inputs.mask'],
  ['input renamed', edit((c) => { c.inputs[0]!.name = 'features'; }), true, 'inputs.x'],
  ['input datatype changed', edit((c) => { c.inputs[0]!.datatype = 'FP16'; }), true, 'inputs.x.datatype'],
  ['input shape narrowed', edit((c) => { c.inputs[0]!.shape = [-1, 8].map((d, i) => (i === 0 ? 4 : d)); }), true, 'inputs.x.shape[0]'],
  ['input fixed dim changed', edit((c) => { c.inputs[0]!.shape = [-1, 16]; }), true, 'inputs.x.shape[1]'],
  ['input rank changed', edit((c) => { c.inputs[0]!.shape = [-1, 8, 1]; }), true, 'inputs.x.shape'],
  ['input shape widened', edit((c) => { c.inputs[0]!.shape = [-1, -1]; }), false, 'inputs.x.shape[1]'],
  ['required input added', edit((c) => c.inputs.push({ name: 'z', datatype: 'FP32', shape: [-1, 1] })), true, 'inputs.z'],
  ['optional input added', edit((c) => c.inputs.push({ name: 'z', datatype: 'FP32', shape: [-1, 1], optional: true })), false, 'inputs.z'],
  ['optional input made required', edit((c) => { delete c.inputs[1]!.optional; }), true, 'inputs.mask.optional'],
  ['output added', edit((c) => c.outputs.push({ name: 'scores', datatype: 'FP32', shape: [-1, 2] })), false, 'outputs.scores'],
  ['output removed', edit((c) => c.outputs.push({ name: 'p', datatype: 'FP32', shape: [1] }) && c.outputs.splice(0, 1)), true, 'outputs.y'],
  ['output datatype changed', edit((c) => { c.outputs[0]!.datatype = 'FP64'; }), true, 'outputs.y.datatype'],
  ['output fixed dim became variable', edit((c) => { c.outputs[0]!.shape = [-1, -1]; }), true, 'outputs.y.shape[1]'],
  ['max batch lowered', edit((c) => { c.max_batch_size = 4; }), true, 'max_batch_size'],
  ['max batch raised', edit((c) => { c.max_batch_size = 16; }), false, 'max_batch_size'],
  ['parameter became required', edit((c) => { (c.parameters as Record<string, unknown>).required = ['temperature']; }), true, 'parameters.temperature'],
  ['parameter type changed', edit((c) => { c.parameters.properties.temperature = { type: 'string' } as never; }), true, 'parameters.temperature.type'],
  ['parameter range narrowed', edit((c) => { c.parameters.properties.temperature.maximum = 1; }), true, 'parameters.temperature.maximum'],
  ['parameter range widened', edit((c) => { c.parameters.properties.temperature.maximum = 4; }), false, 'parameters.temperature.maximum'],
  ['enum narrowed', edit((c) => { c.parameters.properties.mode.enum = ['fast']; }), true, 'parameters.mode.enum'],
  ['enum widened', edit((c) => { c.parameters.properties.mode.enum = ['fast', 'exact', 'draft']; }), false, ''],
  ['parameter removed from a closed schema', edit((c) => { delete (c.parameters.properties as Record<string, unknown>).mode; }), true, 'parameters.mode'],
  ['optional parameter added to a closed schema', edit((c) => { (c.parameters.properties as Record<string, unknown>).seed = { type: 'integer' }; }), false, 'parameters.seed'],
];

for (const [name, after, breaking, path] of cases) {
  test(`contract change: ${name} is ${breaking ? 'breaking' : 'compatible'}`, () => {
    const result = verdict(after);
    assert.equal(result.breaking, breaking, JSON.stringify(compareContracts(parseContract(base), parseContract(after)).changes));
    if (path) assert.ok(result.paths.includes(path), `${path} in ${JSON.stringify(result.paths)}`);
  });
}

test('a malformed contract is CONTRACT_INVALID with its problems named', () => {
  const invalid = (error: unknown): boolean => isSwitchyardError(error) && error.code === 'CONTRACT_INVALID';
  assert.throws(() => parseContract({}), invalid);
  assert.throws(() => parseContract({ inputs: [{ name: 'x', datatype: 'FLOAT', shape: [1] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [1] }] }), invalid);
  assert.throws(() => parseContract(edit((c) => c.inputs.push({ name: 'x', datatype: 'FP32', shape: [1] }))), /duplicate name 'x'/);
  assert.throws(() => parseContract(edit((c) => { (c as Record<string, unknown>).parameters = { type: 'no-such-type' }; })), /not a valid JSON Schema/);
});

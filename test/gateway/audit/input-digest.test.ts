import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { inputDigest } from '../../../src/serving/audit/inference-summary.js';
import type { TensorMap } from '../../../src/core/tensor.js';

/** The digest as documented: per tensor in name order, JSON [name, datatype, shape], then its bytes (JSON for BYTES). */
function reference(inputs: TensorMap): string {
  const hash = createHash('sha256');
  for (const name of Object.keys(inputs).sort()) {
    const tensor = inputs[name]!;
    hash.update(JSON.stringify([name, tensor.datatype, tensor.shape]));
    const { data } = tensor;
    hash.update(Array.isArray(data) ? JSON.stringify(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  return `sha256:${hash.digest('hex')}`;
}

test('the input digest is the documented hash, with or without the contract names, for any names and tensors', () => {
  const tensor = fc.oneof(
    fc.array(fc.float({ noNaN: true }), { minLength: 1, maxLength: 8 }).map((values) => ({ datatype: 'FP32' as const, shape: [1, values.length], data: new Float32Array(values) })),
    fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 8 }).map((values) => ({ datatype: 'INT32' as const, shape: [values.length], data: new Int32Array(values) })),
    fc.array(fc.string(), { minLength: 1, maxLength: 3 }).map((values) => ({ datatype: 'BYTES' as const, shape: [values.length], data: values })),
  );
  fc.assert(
    fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), tensor, { minKeys: 1, maxKeys: 4 }), (map) => {
      const inputs = Object.assign(Object.create(null) as TensorMap, map);
      const specs = Object.keys(map).reverse().map((name) => ({ name }));
      const expected = reference(inputs);
      assert.equal(inputDigest(inputs, undefined), expected);
      assert.equal(inputDigest(inputs, undefined, specs), expected);
      assert.equal(inputDigest(inputs, undefined, specs), expected, 'again, from the cached order');
    }),
  );
});

test('the input digest is the documented hash for non-ASCII names and strings, and for inputs larger than the scratch buffer', () => {
  const large = new Float32Array(20_000).map((_, i) => Math.sin(i));
  const cases: TensorMap[] = [
    Object.assign(Object.create(null) as TensorMap, { 'Zähler→': { datatype: 'BYTES', shape: [2], data: ['naïve ☃', '𝄞'] }, a: { datatype: 'INT32', shape: [1], data: new Int32Array([7]) } }),
    Object.assign(Object.create(null) as TensorMap, { big: { datatype: 'FP32', shape: [1, large.length], data: large }, small: { datatype: 'FP32', shape: [1], data: new Float32Array([1]) } }),
    Object.assign(Object.create(null) as TensorMap, { text: { datatype: 'BYTES', shape: [1], data: ['é'.repeat(30_000)] } }),
  ];
  for (const inputs of cases) {
    const specs = Object.keys(inputs).map((name) => ({ name }));
    assert.equal(inputDigest(inputs, undefined), reference(inputs));
    assert.equal(inputDigest(inputs, undefined, specs), reference(inputs));
  }
});

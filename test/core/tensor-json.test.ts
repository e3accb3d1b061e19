import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { shapeText, tensorDataJson } from '../../src/core/tensor-json.js';
import { toHalfBits } from '../../src/core/float16.js';

test('shapeText joins dimensions with commas, like Array.prototype.join', () => {
  assert.equal(shapeText([]), '');
  assert.equal(shapeText([7]), '7');
  assert.equal(shapeText([1, 3, 224, 224]), '1,3,224,224');
  fc.assert(fc.property(fc.array(fc.nat(), { maxLength: 16 }), (shape) => shapeText(shape) === shape.join(',')));
});

test('float tensors are written as JSON.stringify writes the same numbers, non-finite values as null', () => {
  const doubles = fc.double({ noDefaultInfinity: false, noNaN: false });
  fc.assert(
    fc.property(fc.array(doubles, { maxLength: 64 }), (values) => {
      const fp64 = Float64Array.from(values);
      const fp32 = Float32Array.from(values);
      assert.equal(tensorDataJson({ datatype: 'FP64', shape: [fp64.length], data: fp64 }), JSON.stringify(Array.from(fp64)));
      assert.equal(tensorDataJson({ datatype: 'FP32', shape: [fp32.length], data: fp32 }), JSON.stringify(Array.from(fp32)));
    }),
  );
  assert.equal(tensorDataJson({ datatype: 'FP32', shape: [3], data: new Float32Array([-0, 0.5, Number.NaN]) }), '[0,0.5,null]');
});

test('other datatypes: halves as numbers, booleans, strings and integers', () => {
  assert.equal(tensorDataJson({ datatype: 'FP16', shape: [3], data: Uint16Array.from([1.5, -2, Number.POSITIVE_INFINITY].map(toHalfBits)) }), '[1.5,-2,null]');
  assert.equal(tensorDataJson({ datatype: 'BOOL', shape: [2], data: Uint8Array.from([1, 0]) }), '[true,false]');
  assert.equal(tensorDataJson({ datatype: 'BYTES', shape: [2], data: ['a"b', ''] }), '["a\\"b",""]');
  assert.equal(tensorDataJson({ datatype: 'INT64', shape: [2], data: BigInt64Array.from([-(2n ** 63n), 5n]) }), '[-9223372036854775808,5]');
  assert.equal(tensorDataJson({ datatype: 'INT32', shape: [0], data: new Int32Array(0) }), '[]');
});

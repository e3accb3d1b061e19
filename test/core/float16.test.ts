import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fromHalfBits, toHalfBits } from '../../src/core/float16.js';

test('known half-precision bit patterns', () => {
  const cases: [number, number][] = [[1, 0x3c00], [-2, 0xc000], [65504, 0x7bff], [0.5, 0x3800], [2 ** -24, 0x0001], [0, 0]];
  for (const [value, bits] of cases) {
    assert.equal(toHalfBits(value), bits, `toHalfBits(${value})`);
    assert.equal(fromHalfBits(bits), value, `fromHalfBits(${bits})`);
  }
  assert.equal(toHalfBits(1e6), 0x7c00, 'overflow becomes +Inf');
});

test('every half value survives a round trip', () => {
  for (let bits = 0; bits < 0x10000; bits++) {
    const exponent = (bits >>> 10) & 0x1f;
    if (exponent === 0x1f) continue; // Inf and NaN
    assert.equal(toHalfBits(fromHalfBits(bits)), bits === 0x8000 ? 0x8000 : bits);
  }
});

test('conversion rounds to the nearest half', () => {
  fc.assert(
    fc.property(fc.double({ min: -65504, max: 65504, noNaN: true }), (value) => {
      const rounded = fromHalfBits(toHalfBits(value));
      const step = Math.max(2 ** -24, 2 ** (Math.floor(Math.log2(Math.abs(value) || 2 ** -24)) - 10));
      return Math.abs(rounded - value) <= step / 2 + 1e-12;
    }),
  );
});

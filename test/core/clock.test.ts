import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { msText, roundMs } from '../../src/core/clock.js';

test('msText writes what String(roundMs(ms)) writes, for any number', () => {
  const durations = fc.oneof(
    fc.double({ min: 0, max: 1e4, noNaN: true }),
    fc.double({ min: 0, max: 1e13, noNaN: true }),
    fc.integer({ min: 0, max: 1_000_000 }).map((micros) => micros / 1000),
    fc.double(),
    fc.constantFrom(0, -0, 0.0005, 0.0004999, 1.005, 2.675, 999.9995, 1e12 - 0.001, 1e15, -1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.MIN_VALUE),
  );
  fc.assert(
    fc.property(durations, (ms) => {
      assert.equal(msText(ms), String(roundMs(ms)), `for ${ms}`);
    }),
    { numRuns: 20_000 },
  );
});

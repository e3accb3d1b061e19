import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isoTime } from '../../src/core/iso-time.js';

test('isoTime writes what Date#toISOString writes, whatever order the times come in', () => {
  const near = Date.UTC(2026, 10, 29, 3, 59, 59, 998);
  const times = fc.oneof(
    fc.integer({ min: -1e12, max: 3e14 }),
    fc.double({ min: 0, max: 4e12, noNaN: true }),
    // Runs around one second boundary, where the cached prefix must change.
    fc.integer({ min: near - 5, max: near + 5 }),
    fc.constantFrom(0, 999, 1000, 253402300799999, 253402300800000, -1),
  );
  fc.assert(
    fc.property(fc.array(times, { minLength: 1, maxLength: 30 }), (list) => {
      for (const ms of list) assert.equal(isoTime(ms), new Date(ms).toISOString(), `at ${ms}`);
    }),
    { numRuns: 300 },
  );
});

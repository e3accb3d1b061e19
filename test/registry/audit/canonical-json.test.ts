/** canonicalJson's fast path (keys already in order: JSON.stringify as is) writes the slow path's text. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalJson, isCanonical } from '../../../src/registry/audit/canonical-json.js';

/** The serialisation the audit chain was first written with: every object copied with sorted keys. */
function reference(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(v).sort()) {
        const inner = (v as Record<string, unknown>)[key];
        if (inner !== undefined) out[key] = sortKeys(inner);
      }
      return out;
    }
    return v;
  };
  return JSON.stringify(sortKeys(value));
}

/** Either the text or the error's type: both paths must also fail alike (BigInt). */
const outcome = (f: () => string): string => {
  try {
    return `ok ${f()}`;
  } catch (error) {
    return `threw ${(error as Error).name}`;
  }
};

const key = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('__proto__', 'toJSON', 'constructor', '0', '1', '2', '10', '9', '-1', '01', '4294967295', 'a', 'B', 'é'));
const leaf = fc.oneof(fc.constant(null), fc.constant(undefined), fc.boolean(), fc.double(), fc.integer(), fc.string({ maxLength: 8 }), fc.constantFrom(-0, Number.NaN, Infinity));
/** Objects whose keys were inserted in sort() order, so many of them take the fast path. */
const byKey = ([a]: [string, unknown], [b]: [string, unknown]): number => (a < b ? -1 : a > b ? 1 : 0);
const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('array'), tie('object'), tie('sorted')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(key, tie('value'), { maxKeys: 5 }),
  sorted: fc.dictionary(key, tie('value'), { maxKeys: 5 }).map((o) => Object.fromEntries(Object.entries(o).sort(byKey))),
}));

test('canonicalJson writes what the key-sorting copy writes, on whichever path', () => {
  let fast = 0;
  fc.assert(
    fc.property(value, (v) => {
      if (isCanonical(v)) fast += 1;
      assert.equal(outcome(() => canonicalJson(v)), outcome(() => reference(v)));
    }),
    { numRuns: 2000 },
  );
  assert.ok(fast > 200, `the fast path ran ${fast} times in 2000`);
});

test('canonicalJson agrees on arbitrary values: dates, boxed values, maps, sparse arrays, null prototypes, BigInt', () => {
  const anything = fc.anything({
    maxDepth: 3, withBigInt: true, withBoxedValues: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true,
    withObjectString: true, withSparseArray: true, withTypedArray: true, withUnicodeString: true,
  });
  fc.assert(fc.property(anything, (v) => assert.equal(outcome(() => canonicalJson(v)), outcome(() => reference(v)))), { numRuns: 2000 });
});

test('the fast path takes ordered plain values and leaves the rest to the copy', () => {
  const summary = { digest: null, inputSha256: 'sha256:00', latencyMs: 0.4, model: 'iris', nested: [{ a: 1, b: [true] }], outcome: 'ok', version: '1' };
  assert.equal(isCanonical(summary), true);
  assert.equal(canonicalJson(summary), reference(summary));
  for (const v of [{ b: 1, a: 2 }, { a: undefined }, { '10': 1, '9': 2 }, [new Date(0)], { a: { toJSON: () => 1 } }, JSON.parse('{"__proto__":1}') as unknown, Object.assign(Object.create({ inherited: 1 }) as object, { a: 1 })]) {
    assert.equal(isCanonical(v), false, JSON.stringify(v));
    assert.equal(canonicalJson(v), reference(v));
  }
});

/** derivedOnce builds a value once per object and hands back that same value after. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { derivedOnce } from '../../src/core/derived-once.js';

test('the value is built once per object, separately for each object', () => {
  const built: string[] = [];
  const index = derivedOnce((contract: { readonly name: string }) => {
    built.push(contract.name);
    return { of: contract.name };
  });
  const a = { name: 'a' };
  const b = { name: 'b' };
  const first = index(a);
  assert.equal(index(a), first, 'the same object, not a rebuilt one');
  assert.deepEqual(index(b), { of: 'b' });
  index(b);
  assert.deepEqual(built, ['a', 'b']);
});

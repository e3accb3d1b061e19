/** The yielding hash of large uploads gives the very digest of the one-shot hash, at and around slice bounds. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sha256Hex, sha256HexYielding } from '../../src/registry/artifacts/manifest.js';

const MIB = 1024 * 1024;

test('sha256HexYielding equals sha256Hex for empty, small and slice-boundary sizes', async () => {
  const bytes = randomBytes(9 * MIB);
  for (const size of [0, 1, 4 * MIB - 1, 4 * MIB, 4 * MIB + 1, 8 * MIB, 9 * MIB]) {
    const part = bytes.subarray(0, size);
    assert.equal(await sha256HexYielding(part), sha256Hex(part), `size ${size}`);
  }
});

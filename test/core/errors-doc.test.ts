import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERROR_CATALOGUE } from '../../src/core/errors.js';

// docs/errors.md must list exactly the catalogue, with the same status and retryability.
test('docs/errors.md is in step with the error catalogue', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const rows = new Map<string, { status: number; retryable: boolean }>();
  for (const line of doc.split('\n')) {
    const match = /^\| `([A-Z_]+)` \| (\d{3}) \| (yes|no) \|/.exec(line);
    if (match) rows.set(match[1]!, { status: Number(match[2]), retryable: match[3] === 'yes' });
  }
  const catalogue = Object.entries(ERROR_CATALOGUE);
  for (const [code, definition] of catalogue) {
    const row = rows.get(code);
    assert.ok(row, `docs/errors.md lacks ${code}`);
    assert.equal(row.status, definition.status, `${code} status`);
    assert.equal(row.retryable, definition.retryable, `${code} retryable`);
  }
  assert.deepEqual([...rows.keys()].sort(), catalogue.map(([code]) => code).sort(), 'docs/errors.md lists codes the catalogue lacks');
});

/** docs/README.md lists every page of docs/ and only pages that exist. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './doc-examples.js';

test('the docs index links every docs page once, and no page that is missing', () => {
  const pages = readdirSync(join(REPO_ROOT, 'docs')).filter((f) => f.endsWith('.md') && f !== 'README.md').sort();
  const index = readFileSync(join(REPO_ROOT, 'docs', 'README.md'), 'utf8');
  const listed = [...index.matchAll(/^\| \[([^\]]+)\]\(([^)]+)\) \|/gm)].map((m) => m[2] ?? '');
  assert.deepEqual([...listed].sort(), pages, 'docs/README.md table rows against the files in docs/');
  assert.equal(new Set(listed).size, listed.length, 'each page once');
});

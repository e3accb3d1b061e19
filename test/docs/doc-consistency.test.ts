/**
 * Pages a user reads must not contradict themselves: no unresolved merge (docs/api.md once had
 * four) and no table that lists the same key twice (docs/models.md once gave `backend` two
 * different sets of values; docs/api.md had two rows for `digest`, `backend`, … and for 503).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { docFiles, REPO_ROOT } from './doc-examples.js';

// Git writes these at the start of a line, with a space and a label after the arrows
// (`=======` alone on its line); a Markdown rule or a table never looks like them.
const MARKER = /^(<{7}(\s.*)?|={7}|>{7}(\s.*)?|\|{7}(\s.*)?)$/;

const pages = (): { file: string; lines: string[] }[] => docFiles().map((file) => ({ file, lines: readFileSync(join(REPO_ROOT, file), 'utf8').split('\n') }));

test('no docs page has merge-conflict markers', () => {
  const found: string[] = [];
  for (const { file, lines } of pages()) {
    lines.forEach((line, i) => {
      if (MARKER.test(line)) found.push(`${file}:${i + 1}: ${line}`);
    });
  }
  assert.deepEqual(found, [], `unresolved merge conflicts:\n${found.join('\n')}`);
});

test('no docs table lists the same first cell twice', () => {
  const found: string[] = [];
  for (const { file, lines } of pages()) {
    let seen = new Map<string, number>();
    lines.forEach((line, i) => {
      if (!line.startsWith('|')) {
        seen = new Map();
        return;
      }
      if (/^\|\s*:?-{3,}/.test(line)) return;
      const key = line.split('|')[1]?.trim() ?? '';
      // An empty first cell continues the row above it (a second line of one group).
      if (key === '') return;
      const first = seen.get(key);
      if (first !== undefined) found.push(`${file}:${i + 1}: '${key}' again (first at line ${first})`);
      else seen.set(key, i + 1);
    });
  }
  assert.deepEqual(found, [], `duplicate table rows:\n${found.join('\n')}`);
});

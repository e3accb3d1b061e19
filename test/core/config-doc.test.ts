import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CONFIG_KEYS } from '../../src/core/config.js';
import { environmentName } from '../../src/core/config-keys.js';
import { REGISTRY_CONFIG_SCHEMA, REGISTRY_INGEST } from '../../src/core/registry-config.js';
import { SOURCE_KEYS } from '../../src/main/config-sources.js';

const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');

/** Table rows whose first cell is a backticked key: key -> the other cells. */
function rows(columns: number): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const line of doc.split('\n')) {
    const cells = line.split(' | ').map((cell) => cell.replace(/^\| ?| ?\|$/g, '').trim());
    const key = /^`([a-z_.<>]+)`$/.exec(cells[0] ?? '')?.[1];
    if (key && cells.length === columns) found.set(key, cells.slice(1));
  }
  return found;
}

/** The first cell's leading backticked value (`8080`, `` (empty)), or undefined for "none", "unset…". */
const leading = (cell: string | undefined): string | undefined => /^`([^`]*)`/.exec(cell ?? '')?.[1];

// docs/configuration.md's key table must list every declared key, with its environment
// variable and default, and nothing else (the registry section has its own table).
test('docs/configuration.md lists every declared key with its environment variable and default', () => {
  const table = rows(5);
  const documented = new Set<string>();
  for (const [key, decl] of CONFIG_KEYS) {
    if (key === 'registry') continue;
    const row = table.get(key);
    assert.ok(row, `docs/configuration.md lacks a row for ${key}`);
    documented.add(key);
    const [environment, , defaultCell] = row;
    assert.equal(leading(environment), environmentName(key, decl), `${key}: environment variable`);
    assert.equal(leading(defaultCell), decl.docDefault, `${key}: default`);
    if (decl.alias) {
      const aliasKey = key.replace(/[^.]+$/, decl.alias.name);
      const aliasRow = table.get(aliasKey);
      assert.ok(aliasRow, `docs/configuration.md lacks a row for ${aliasKey}, the alias of ${key}`);
      assert.match(aliasRow[3] ?? '', new RegExp(`alias of \`${key.replaceAll('.', '\\.')}\``), `${aliasKey}: says which key it stands for`);
      documented.add(aliasKey);
    }
  }
  for (const [key, decl] of Object.entries(SOURCE_KEYS)) {
    const row = table.get(key);
    assert.ok(row, `docs/configuration.md lacks a row for ${key}`);
    assert.equal(leading(row[0]), decl.env, `${key}: environment variable`);
    documented.add(key);
  }
  const undeclared = [...table.keys()].filter((key) => !documented.has(key));
  assert.deepEqual(undeclared, [], 'docs/configuration.md lists keys that are not declared');
});

/** `registry.ingest.max_entries`… from the registry section's schema; a map of models is `<model>`. */
function registryKeys(schema: unknown, prefix: string): string[] {
  if (typeof schema !== 'object' || schema === null) return [prefix];
  if ('properties' in schema && typeof schema.properties === 'object' && schema.properties !== null) {
    return Object.entries(schema.properties).flatMap(([name, inner]) => registryKeys(inner, `${prefix}.${name}`));
  }
  if (prefix.endsWith('.model_gates')) return [`${prefix}.<model>`];
  return [prefix];
}

test('docs/configuration.md lists every registry key and no other', () => {
  const declared = registryKeys(REGISTRY_CONFIG_SCHEMA, 'registry');
  const table = rows(3);
  const documented = [...table.keys()].filter((key) => key.startsWith('registry.'));
  assert.deepEqual(documented.sort(), declared.sort());
  for (const [name, decl] of Object.entries(REGISTRY_INGEST.keys)) {
    assert.equal(leading(table.get(`registry.ingest.${name}`)?.[0]), decl.docDefault, `registry.ingest.${name}: default`);
  }
});

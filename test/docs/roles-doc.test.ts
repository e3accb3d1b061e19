/**
 * The role tables of docs/registry.md and docs/security.md say what the program enforces: the
 * registry's table equals the roles its routes declare, and security.md gives promoting and
 * retiring only to roles the transitions route admits (it once gave them to `deployer`, which
 * the program answers 403).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { declaredRoutes } from '../../src/gateway/auth/auth-hook.js';
import type { EmbeddedServer } from '../../src/main/server.js';
import { DEMO_REPOSITORY, startTestServer } from '../helpers/server.js';
import { REPO_ROOT } from './doc-examples.js';

let server: EmbeddedServer;
before(async () => {
  server = await startTestServer(DEMO_REPOSITORY);
});
after(() => server.close());

/** Rows of the Markdown table under `## <heading>`, as cell lists. */
function tableUnder(file: string, heading: string): string[][] {
  const text = readFileSync(join(REPO_ROOT, file), 'utf8');
  const section = text.split(`\n## ${heading}\n`)[1] ?? '';
  const rows = section.split('\n').filter((l) => l.startsWith('|') && !/^\|\s*-{3}/.test(l));
  return rows.slice(1).map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
}

function rolesOf(method: string, url: string): string[] {
  const route = declaredRoutes(server.app).find((r) => r.method === method && r.url === url);
  assert.ok(route?.roles, `${method} ${url} is registered with roles`);
  return [...route.roles].sort();
}

const VERSION = '/v1/models/:name/versions/:version';
const ACTIONS: Record<string, [string, string]> = {
  'read models, versions, history': ['GET', '/v1/models'],
  'push a version': ['POST', VERSION],
  'record an evaluation': ['POST', `${VERSION}/evaluations`],
  'approve or reject': ['POST', `${VERSION}/approvals`],
  'transitions (stage, approve, promote, retire)': ['POST', `${VERSION}/transitions`],
};

test("docs/registry.md's role table is the roles the registry routes declare", () => {
  const rows = tableUnder('docs/registry.md', 'Roles');
  assert.deepEqual(rows.map((r) => r[0]).sort(), Object.keys(ACTIONS).sort());
  for (const [action, roles] of rows) {
    const [method, url] = ACTIONS[action ?? ''] ?? ['', ''];
    assert.deepEqual(roles?.split(',').map((r) => r.trim()).sort(), rolesOf(method, url), action);
  }
});

test('docs/security.md gives promoting and retiring only to roles the transitions route admits', () => {
  const admitted = rolesOf('POST', `${VERSION}/transitions`);
  const rows = tableUnder('docs/security.md', 'Roles');
  assert.ok(rows.length >= 6, 'the roles table was found');
  for (const [cell, meaning = ''] of rows) {
    const role = cell?.replaceAll('`', '') ?? '';
    const claims = /promot|retir/i.test(meaning.replace(/cannot[^;.]*/gi, ''));
    if (claims) assert.ok(admitted.includes(role), `security.md says ${role} can promote or retire; the program admits only ${admitted.join(', ')}`);
  }
});

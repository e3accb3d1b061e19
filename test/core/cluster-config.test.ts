import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/core/config.js';
import { loadConfig } from '../../src/main/config-sources.js';

const load = (text: string, env: NodeJS.ProcessEnv = {}) => {
  const file = join(mkdtempSync(join(tmpdir(), 'cfg-')), 'switchyard.yaml');
  writeFileSync(file, text);
  return loadConfig({ flags: {}, env, configFile: file, cwd: '/srv' });
};

test('cluster mode is off by default, with the documented defaults', () => {
  const { cluster } = load('');
  assert.equal(cluster.token, undefined);
  assert.equal(cluster.heartbeatMs, 2000);
  assert.equal(cluster.localReplicas, true);
  assert.equal(cluster.ejectionBaseMs, 30_000);
  assert.equal(cluster.retryBudgetRatio, 0.2);
});

test('cluster keys nest in the file; the token may come from the environment', () => {
  const { cluster } = load('cluster:\n  heartbeat_ms: 1000\n  local_replicas: false\n', { SWITCHYARD_CLUSTER_TOKEN: 'x'.repeat(16) });
  assert.equal(cluster.heartbeatMs, 1000);
  assert.equal(cluster.localReplicas, false);
  assert.equal(cluster.token, 'x'.repeat(16));
});

test('bad cluster values are refused with their key and the allowed keys', () => {
  assert.throws(() => load('cluster:\n  heartbeat: 1000\n'), (e: unknown) => e instanceof ConfigError && /cluster\.heartbeat .*unknown key; allowed keys here: token, heartbeat_ms/.test(e.message));
  assert.throws(() => load('cluster:\n  token: short\n'), (e: unknown) => e instanceof ConfigError && /cluster\.token .*must NOT have fewer than 16 characters/.test(e.message));
});

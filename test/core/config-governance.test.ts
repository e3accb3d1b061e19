import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/core/config.js';
import { loadConfig } from '../../src/main/config-sources.js';

const load = (env: NodeJS.ProcessEnv = {}, configFile?: string) => loadConfig({ flags: {}, env, configFile, cwd: '/srv' });

test('storage, auth and audit sections have safe defaults', () => {
  const config = load();
  assert.deepEqual(config.storage, { driver: 'sqlite', postgresUrl: '' });
  assert.deepEqual(config.auth, { anonymousInference: 'loopback' });
  assert.deepEqual(config.audit, { flushIntervalMs: 200, flushMaxRows: 500 });
});

test('the sections come from a file or the environment, and postgres needs its URL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
  const file = join(dir, 'switchyard.yaml');
  writeFileSync(file, 'storage:\n  driver: postgres\n  postgres_url: postgres://u@db:5432/s\nauth:\n  anonymous_inference: deny\naudit:\n  flush_max_rows: 10\n');
  const config = load({ SWITCHYARD_AUDIT_FLUSH_INTERVAL_MS: '50' }, file);
  assert.equal(config.storage.driver, 'postgres');
  assert.equal(config.auth.anonymousInference, 'deny');
  assert.deepEqual(config.audit, { flushIntervalMs: 50, flushMaxRows: 10 });
  assert.throws(() => load({ SWITCHYARD_STORAGE_DRIVER: 'postgres' }), (e: unknown) => e instanceof ConfigError && /storage\.postgres_url .*required/.test(e.message));
  assert.throws(() => load({ SWITCHYARD_ANONYMOUS_INFERENCE: 'yes' }), /auth\.anonymous_inference .*must be one of loopback \| allow \| deny/);
  writeFileSync(file, 'auth:\n  open: true\n');
  assert.throws(() => load({}, file), /auth\.open .*unknown key; allowed keys here: anonymous_inference/);
});

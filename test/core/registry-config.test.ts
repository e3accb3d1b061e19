import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { compileConfig, ConfigError, flattenConfigFile } from '../../src/core/config.js';

const compile = (registry: unknown) => compileConfig(flattenConfigFile({ registry }, 'switchyard.yaml'), '/srv');

test('registry settings: defaults, overrides and what the schema cannot check', () => {
  const defaults = compileConfig(new Map(), '/srv').registry;
  assert.equal(defaults.ingest.maxEntries, 1024);
  assert.deepEqual(defaults.ingest.urlAllowList, []);
  assert.equal(defaults.signatures.required, false);
  assert.deepEqual(defaults.gates.approvals, [{ role: 'approver', count: 1 }]);
  const pem = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const set = compile({ ingest: { max_entries: 10, url_allow_list: ['https://m.example/r/'] }, signatures: { required: true, trusted_keys: { k1: pem } }, model_gates: { risky: { approvals: [{ role: 'approver', count: 2 }] } } }).registry;
  assert.equal(set.ingest.maxEntries, 10);
  assert.equal(set.signatures.trustedKeys.size, 1);
  assert.deepEqual(set.modelGates.get('risky')?.approvals, [{ role: 'approver', count: 2 }]);
  const refused = (registry: unknown, pattern: RegExp) => assert.throws(() => compile(registry), (error: unknown) => error instanceof ConfigError && pattern.test(error.message));
  refused({ ingest: { url_allow_list: ['http://m.example/'] } }, /must be https/);
  refused({ ingest: { url_allow_list: ['not a url'] } }, /not an absolute URL/);
  refused({ signatures: { required: true } }, /trusted_keys is empty/);
  refused({ signatures: { trusted_keys: { k: 'nope' } } }, /not a PEM public key/);
  refused({ signatures: { trusted_keys: { k: generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString() } } }, /only ed25519/);
  refused({ gates: { approvals: [{ role: 'boss', count: 1 }] } }, /registry/);
  refused({ colour: 'blue' }, /colour/);
  assert.equal(compile({ ingest: { allow_http: true, url_allow_list: ['http://m.example/'] } }).registry.ingest.allowHttp, true);
});

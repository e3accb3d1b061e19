import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startRegistryApp, type RegistryApp } from '../helpers/registry-app.js';
import { matmulChain } from '../fixtures/onnx-fixtures.js';

let api: RegistryApp;
before(async () => {
  api = await startRegistryApp();
  const contract = { inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 4] }] };
  const pushed = await api.app.inject({ method: 'POST', url: '/v1/models/m/versions/1', headers: { 'x-test-key': 'd:deployer' }, payload: { contract, artifact: { base64: Buffer.from(matmulChain(4, 1)).toString('base64'), file_name: 'model.onnx' } } });
  assert.equal(pushed.statusCode, 201);
});
after(() => api.close());

const segment = fc.oneof(fc.constantFrom('m', '1', '2', '..', '%2e%2e', 'a b', '', '0', '999999999999', '-1', 'm%2f..'), fc.string({ maxLength: 12 }));
const body = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.record({ to: fc.oneof(fc.constantFrom('draft', 'staged', 'approved', 'production', 'retired'), fc.jsonValue()), reason: fc.jsonValue() }, { requiredKeys: [] }),
  fc.record({ decision: fc.oneof(fc.constantFrom('approve', 'reject'), fc.jsonValue()), comment: fc.jsonValue(), role: fc.jsonValue() }, { requiredKeys: [] }),
  fc.record({ dataset: fc.jsonValue(), metrics: fc.oneof(fc.dictionary(fc.string(), fc.double()), fc.jsonValue()) }, { requiredKeys: [] }),
  fc.record({
    contract: fc.oneof(fc.jsonValue(), fc.record({ inputs: fc.jsonValue(), outputs: fc.jsonValue(), parameters: fc.jsonValue() })),
    artifact: fc.oneof(fc.jsonValue(), fc.record({ base64: fc.oneof(fc.base64String(), fc.string()), file_name: fc.jsonValue(), url: fc.string() }, { requiredKeys: [] })),
    lineage: fc.jsonValue(), breaking: fc.jsonValue(), signature: fc.jsonValue(), evaluations: fc.jsonValue(), card: fc.jsonValue(),
  }, { requiredKeys: [] }),
);
const route = fc.constantFrom('', '/versions/V', '/versions/V/evaluations', '/versions/V/approvals', '/versions/V/transitions');
const roles = fc.subarray(['admin', 'operator', 'approver', 'deployer', 'viewer'] as const);

test('random admin API requests never get a 5xx', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('GET', 'POST'), segment, segment, route, body, fc.constantFrom('json', 'octet', 'text', 'bad-json'), fc.string({ maxLength: 16 }), roles, async (method, name, version, suffix, payload, kind, key, held) => {
      const url = `/v1/models/${encodeURIComponent(name)}${suffix.replace('V', encodeURIComponent(version))}`;
      const headers: Record<string, string> = { 'x-test-key': `${key.replace(/[:\s]/g, '')}:${held.join(',')}` };
      let raw: string | Buffer | undefined;
      if (method === 'POST') {
        if (kind === 'json') {
          headers['content-type'] = 'application/json';
          raw = JSON.stringify(payload);
        } else if (kind === 'bad-json') {
          headers['content-type'] = 'application/json';
          raw = '{"contract": ';
        } else if (kind === 'text') {
          headers['content-type'] = 'text/plain';
          raw = 'hello';
        } else {
          headers['content-type'] = 'application/octet-stream';
          headers['x-switchyard-metadata'] = Buffer.from(JSON.stringify(payload)).toString('base64url');
          raw = Buffer.from(JSON.stringify(payload));
        }
      }
      const response = await api.app.inject({ method, url, headers, ...(raw !== undefined ? { payload: raw } : {}) });
      assert.ok(response.statusCode < 500, `${method} ${url} ${String(raw).slice(0, 200)} -> ${response.statusCode} ${response.body}`);
    }),
    { numRuns: 400, seed: 20261128 },
  );
});

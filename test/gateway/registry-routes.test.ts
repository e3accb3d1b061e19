import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { matmulChain } from '../fixtures/onnx-fixtures.js';
import { file, tarOf } from '../fixtures/archives.js';
import { startRegistryApp, type RegistryApp } from '../helpers/registry-app.js';

let api: RegistryApp;
before(async () => {
  api = await startRegistryApp();
});
after(() => api.close());

const deployer = { 'x-test-key': 'dep1:deployer' };
const approver = { 'x-test-key': 'app1:approver' };
const operator = { 'x-test-key': 'op1:operator' };
const contract = { inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 4] }], max_batch_size: 4 };
const model = matmulChain(4, 1);

test('push as JSON+base64, read it back with lineage, card and evaluations', async () => {
  const response = await api.app.inject({
    method: 'POST', url: '/v1/models/iris/versions/1', headers: deployer,
    payload: { contract, card: '# Iris', lineage: { code_revision: 'abc', hyperparameters: { lr: 0.1 } }, evaluations: [{ dataset: 'holdout', metrics: { accuracy: 0.9 } }], artifact: { base64: Buffer.from(model).toString('base64'), file_name: 'model.onnx' } },
  });
  assert.equal(response.statusCode, 201, response.body);
  const pushed = response.json<{ state: string; digest: string }>();
  assert.equal(pushed.state, 'draft');
  const show = await api.app.inject({ method: 'GET', url: '/v1/models/iris/versions/1', headers: deployer });
  assert.equal(show.statusCode, 200);
  const detail = show.json<{ digest: string; card: string; lineage: { code_revision: string; hyperparameters: { lr: number } }; evaluations: { metrics: { accuracy: number } }[]; unmet_gates: string[]; manifest: { files: { path: string }[] } }>();
  assert.equal(detail.digest, pushed.digest);
  assert.equal(detail.card, '# Iris');
  assert.equal(detail.lineage.code_revision, 'abc');
  assert.equal(detail.lineage.hyperparameters.lr, 0.1);
  assert.equal(detail.evaluations[0]?.metrics.accuracy, 0.9);
  assert.deepEqual(detail.manifest.files.map((f) => f.path), ['model.onnx']);
  assert.equal(detail.unmet_gates.length, 1);
  const list = await api.app.inject({ method: 'GET', url: '/v1/models', headers: deployer });
  assert.deepEqual(list.json<{ models: { name: string }[] }>().models.map((m) => m.name), ['iris']);
});

test('push as octet-stream (a tar.gz) with metadata in a header', async () => {
  const archive = await tarOf([file('model.onnx', model), file('labels.txt', 'a\nb\n')], { gzip: true });
  const metadata = Buffer.from(JSON.stringify({ contract })).toString('base64url');
  const response = await api.app.inject({ method: 'POST', url: '/v1/models/tarred/versions/1', headers: { ...deployer, 'content-type': 'application/octet-stream', 'x-switchyard-metadata': metadata }, payload: archive });
  assert.equal(response.statusCode, 201, response.body);
  const hostile = await tarOf([file('model.onnx', model), file('../../evil', 'x')]);
  const refused = await api.app.inject({ method: 'POST', url: '/v1/models/tarred/versions/2', headers: { ...deployer, 'content-type': 'application/octet-stream', 'x-switchyard-metadata': metadata }, payload: hostile });
  assert.equal(refused.statusCode, 400);
  assert.equal(refused.json<{ code: string }>().code, 'ARTIFACT_REFUSED');
  const url = await api.app.inject({ method: 'POST', url: '/v1/models/tarred/versions/3', headers: deployer, payload: { contract, artifact: { url: 'https://example.com/model.onnx' } } });
  assert.equal(url.json<{ code: string }>().code, 'INGEST_SOURCE_NOT_ALLOWED');
});

test('the lifecycle over HTTP: stage, self-approval refused, approve, promote; errors carry catalogue codes', async () => {
  const push = await api.app.inject({ method: 'POST', url: '/v1/models/flow/versions/1', headers: deployer, payload: { contract, artifact: { base64: Buffer.from(model).toString('base64'), file_name: 'model.onnx' } } });
  assert.equal(push.statusCode, 201);
  const move = (to: string, headers = operator) => api.app.inject({ method: 'POST', url: '/v1/models/flow/versions/1/transitions', headers, payload: { to, reason: 'test' } });
  assert.equal((await move('production')).json<{ code: string }>().code, 'TRANSITION_NOT_ALLOWED');
  assert.equal((await move('staged')).statusCode, 200);
  const self = await api.app.inject({ method: 'POST', url: '/v1/models/flow/versions/1/approvals', headers: { 'x-test-key': 'dep1:approver' }, payload: {} });
  assert.equal(self.statusCode, 403);
  assert.equal(self.json<{ code: string }>().code, 'SELF_APPROVAL_FORBIDDEN');
  assert.equal((await move('approved')).json<{ code: string }>().code, 'APPROVAL_GATE_UNMET');
  const approve = await api.app.inject({ method: 'POST', url: '/v1/models/flow/versions/1/approvals', headers: approver, payload: { decision: 'approve', comment: 'ok' } });
  assert.equal(approve.statusCode, 201, approve.body);
  assert.equal((await move('approved')).statusCode, 200);
  const promoted = await move('production');
  assert.equal(promoted.json<{ state: string }>().state, 'production');
  const history = await api.app.inject({ method: 'GET', url: '/v1/models/flow', headers: deployer });
  assert.deepEqual(history.json<{ deployments: { to: string }[] }>().deployments.map((d) => d.to), ['draft', 'staged', 'approved', 'production']);
  const breaking = await api.app.inject({ method: 'POST', url: '/v1/models/flow/versions/2', headers: deployer, payload: { contract: { ...contract, inputs: [] }, artifact: { base64: '' } } });
  assert.equal(breaking.json<{ code: string }>().code, 'CONTRACT_INVALID');
  const undeclared = await api.app.inject({ method: 'POST', url: '/v1/models/flow/versions/2', headers: deployer, payload: { contract: { ...contract, max_batch_size: 1 }, artifact: { base64: Buffer.from(model).toString('base64'), file_name: 'model.onnx' } } });
  assert.equal(undeclared.statusCode, 409);
  assert.equal(undeclared.json<{ code: string }>().code, 'CONTRACT_BREAKING_UNDECLARED');
  assert.equal((await api.app.inject({ method: 'GET', url: '/v1/models/nope', headers: deployer })).statusCode, 404);
  assert.equal((await api.app.inject({ method: 'GET', url: '/v1/models/flow/versions/9', headers: deployer })).json<{ code: string }>().code, 'MODEL_VERSION_NOT_FOUND');
});

/**
 * An SLO set through /v1/slos is audited with who set it and survives a restart, applied over
 * the model.yaml SLO of the same id (issue 16 #7: it was neither).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKey } from '../../src/gateway/auth/keys-routes.js';
import { DEMO_REPOSITORY, startTestServer } from '../helpers/server.js';

interface SloAnswer {
  objective: { latency_threshold_ms: number; actions: string[]; latency_target: number };
}

test('an SLO set through the API is audited with its actor and applied again after a restart', async () => {
  const repository = mkdtempSync(join(tmpdir(), 'switchyard-slo-store-'));
  cpSync(join(DEMO_REPOSITORY, 'identity'), join(repository, 'identity'), { recursive: true });
  appendFileSync(join(repository, 'identity', '1', 'model.yaml'), 'slo:\n  latency_threshold_ms: 25\n  actions: [alert]\n');
  const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-slo-data-'));

  const first = await startTestServer(repository, { data_dir: dataDir });
  let operatorId = '';
  try {
    const operator = await createKey(first.storage, 'test', { name: 'oncall', roles: ['operator'], tenant: null });
    operatorId = operator.row.id;
    const viewer = await createKey(first.storage, 'test', { name: 'dash', roles: ['viewer'], tenant: null });
    const put = (key: string, payload: object) =>
      first.app.inject({ method: 'PUT', url: '/v1/slos/identity:1:realtime', headers: { authorization: `Bearer ${key}` }, payload });
    assert.equal((await put(viewer.text, { latency_threshold_ms: 5 })).statusCode, 403);
    const set = await put(operator.text, { latency_threshold_ms: 100, actions: ['alert', 'shed'] });
    assert.equal(set.statusCode, 200, set.body);

    const audit = await first.storage.listAudit(0, 1000);
    const rows = audit.rows.filter((r) => r.action === 'slo.set');
    assert.equal(rows.length, 1, 'one audit row for the one change; none for the refused one');
    const [row] = rows;
    assert.equal(row?.actor, operatorId);
    assert.equal(row?.target, 'slo/identity:1:realtime');
    assert.deepEqual(JSON.parse(row?.detail ?? 'null'), { key_name: 'oncall', roles: ['operator'] });
    assert.equal((JSON.parse(row?.before ?? 'null') as { latency_threshold_ms: number }).latency_threshold_ms, 25, 'before: the model.yaml SLO it replaced');
    assert.deepEqual(JSON.parse(row?.after ?? 'null'), { latency_class: 'realtime', latency_threshold_ms: 100, actions: ['alert', 'shed'] });
  } finally {
    await first.close();
  }

  const second = await startTestServer(repository, { data_dir: dataDir });
  try {
    const admin = { authorization: `Bearer ${(await createKey(second.storage, 'test', { name: 'a', roles: ['admin'], tenant: null })).text}` };
    const got = await second.app.inject({ method: 'GET', url: '/v1/slos/identity:1:realtime', headers: admin });
    assert.equal(got.statusCode, 200, got.body);
    const { objective } = got.json<SloAnswer>();
    assert.equal(objective.latency_threshold_ms, 100, 'the stored SLO wins over model.yaml after a restart');
    assert.deepEqual(objective.actions, ['alert', 'shed']);
    assert.equal(objective.latency_target, 0.99, 'fields not sent keep their defaults');
    const stored = await second.storage.getSloOverride('identity:1:realtime');
    assert.equal(stored?.setBy, operatorId);
  } finally {
    await second.close();
  }
});

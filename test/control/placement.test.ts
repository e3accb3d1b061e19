import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planPlacement, refusalKey, type DeploymentNeed, type PlacementNode, type PlacedReplica } from '../../src/control/cluster/placement.js';

const GiB = 2 ** 30;
const cpuNode = (id: string, overrides: Partial<PlacementNode> = {}, memory = 8 * GiB): PlacementNode => ({ id, state: 'ready', tier: 'onprem', devices: [{ id: 'cpu:0', kind: 'cpu', class: 'cpu-x86', memoryBytes: memory }], ...overrides });
const need = (overrides: Partial<DeploymentNeed> = {}): DeploymentNeed => ({ deployment: 'm:1', replicas: 2, memoryBytes: GiB, deviceKind: 'cpu', ...overrides });

test('replicas spread across nodes, one per node', () => {
  const plan = planPlacement({ needs: [need({ replicas: 3 })], nodes: [cpuNode('a'), cpuNode('b'), cpuNode('c')], current: [], maxPerNode: 1 });
  assert.deepEqual(plan.add.map((p) => p.node).sort(), ['a', 'b', 'c']);
  assert.deepEqual(plan.unplaced, []);
});

test('with fewer nodes than replicas, the rest are reported unplaced (or doubled up when allowed)', () => {
  const strict = planPlacement({ needs: [need({ replicas: 3 })], nodes: [cpuNode('a'), cpuNode('b')], current: [], maxPerNode: 1 });
  assert.equal(strict.add.length, 2);
  assert.deepEqual(strict.unplaced, [{ deployment: 'm:1', missing: 1 }]);
  const loose = planPlacement({ needs: [need({ replicas: 3 })], nodes: [cpuNode('a'), cpuNode('b')], current: [], maxPerNode: 2 });
  assert.equal(loose.add.length, 3);
  assert.deepEqual(new Set(loose.add.map((p) => p.node)), new Set(['a', 'b']));
});

test('only devices that fit: memory, kind, hardware class and tier', () => {
  const nodes = [
    cpuNode('small', {}, GiB / 2),
    cpuNode('cloud', { tier: 'cloud' }),
    { id: 'gpu', state: 'ready', tier: 'onprem', devices: [{ id: 'nvidia:0', kind: 'gpu', class: 'h200', memoryBytes: 141 * GiB }] } as PlacementNode,
    cpuNode('ok'),
  ];
  const cpu = planPlacement({ needs: [need({ replicas: 4, tiers: ['onprem'] })], nodes, current: [], maxPerNode: 1 });
  assert.deepEqual(cpu.add.map((p) => p.node), ['ok']);
  const gpu = planPlacement({ needs: [need({ replicas: 1, deviceKind: 'gpu', hardwareClasses: ['h200'], memoryBytes: 100 * GiB })], nodes, current: [], maxPerNode: 1 });
  assert.deepEqual(gpu.add, [{ deployment: 'm:1', node: 'gpu', device: 'nvidia:0' }]);
  const wrongClass = planPlacement({ needs: [need({ replicas: 1, deviceKind: 'gpu', hardwareClasses: ['h100'] })], nodes, current: [], maxPerNode: 1 });
  assert.deepEqual(wrongClass.add, []);
});

test('memory already promised to replicas counts against the device', () => {
  const current: PlacedReplica[] = [{ replicaId: 'x', deployment: 'big:1', node: 'a', device: 'cpu:0' }];
  const plan = planPlacement({
    needs: [need({ deployment: 'big:1', replicas: 1, memoryBytes: 7 * GiB }), need({ replicas: 1, memoryBytes: 2 * GiB })],
    nodes: [cpuNode('a'), cpuNode('b')],
    current,
    maxPerNode: 1,
  });
  assert.deepEqual(plan.add, [{ deployment: 'm:1', node: 'b', device: 'cpu:0' }]);
});

test('a dead node loses its replicas and they are placed again on the others; a suspect node keeps its place', () => {
  const current: PlacedReplica[] = [
    { replicaId: 'r1', deployment: 'm:1', node: 'a', device: 'cpu:0' },
    { replicaId: 'r2', deployment: 'm:1', node: 'b', device: 'cpu:0' },
  ];
  const dead = planPlacement({ needs: [need()], nodes: [cpuNode('a', { state: 'dead' }), cpuNode('b'), cpuNode('c')], current, maxPerNode: 1 });
  assert.deepEqual(dead.remove.map((r) => r.replicaId), ['r1']);
  assert.deepEqual(dead.add, [{ deployment: 'm:1', node: 'c', device: 'cpu:0' }]);
  const suspect = planPlacement({ needs: [need()], nodes: [cpuNode('a', { state: 'suspect' }), cpuNode('b'), cpuNode('c')], current, maxPerNode: 1 });
  assert.deepEqual(suspect.remove, []);
  assert.deepEqual(suspect.add, []);
});

test('a node that refused a deployment is not given it again; fewer replicas wanted retires extras', () => {
  const refused = new Set([refusalKey('m:1', 'a')]);
  const plan = planPlacement({ needs: [need({ replicas: 1 })], nodes: [cpuNode('a'), cpuNode('b')], current: [], maxPerNode: 1, refused });
  assert.deepEqual(plan.add.map((p) => p.node), ['b']);
  const current: PlacedReplica[] = [
    { replicaId: 'r1', deployment: 'm:1', node: 'a', device: 'cpu:0' },
    { replicaId: 'r2', deployment: 'm:1', node: 'b', device: 'cpu:0' },
    { replicaId: 'old', deployment: 'gone:1', node: 'b', device: 'cpu:0' },
  ];
  const shrink = planPlacement({ needs: [need({ replicas: 1 })], nodes: [cpuNode('a'), cpuNode('b')], current, maxPerNode: 1 });
  assert.deepEqual(shrink.remove.map((r) => r.replicaId).sort(), ['old', 'r2']);
});

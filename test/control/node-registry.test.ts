import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NodeRegistry, type NodeInfo, type NodeTransition } from '../../src/control/cluster/node-registry.js';

const info = (name: string): NodeInfo => ({ name, dataplaneUrl: 'http://127.0.0.1:1', tier: 'onprem', devices: [], agentVersion: 't', protocol: 'switchyard-dataplane/1.0' });

function setup(): { registry: NodeRegistry; moves: string[] } {
  const moves: string[] = [];
  const registry = new NodeRegistry(1000, (t: NodeTransition) => moves.push(`${t.node.name}:${t.from}->${t.to}`));
  return { registry, moves };
}

test('a node is suspect after 1.5 missed intervals and dead after 3', () => {
  const { registry, moves } = setup();
  const node = registry.join(info('a'), 0);
  assert.equal(node.state, 'joining');
  registry.markReady(node.id, 10);
  registry.tick(1500);
  assert.equal(node.state, 'ready', 'exactly 1.5 intervals is not yet suspect');
  registry.tick(1501);
  assert.equal(node.state, 'suspect');
  registry.tick(2999);
  assert.equal(node.state, 'suspect');
  registry.tick(3001);
  assert.equal(node.state, 'dead');
  assert.deepEqual(moves, ['a:joining->ready', 'a:ready->suspect', 'a:suspect->dead']);
});

test('a suspect node that heartbeats again is recovering until its health check passes', () => {
  const { registry } = setup();
  const node = registry.join(info('a'), 0);
  registry.markReady(node.id, 0);
  registry.tick(1600);
  assert.equal(node.state, 'suspect');
  assert.equal(registry.heartbeat(node.id, 1700, {}), 'recovering');
  assert.equal(node.state, 'suspect', 'a heartbeat alone does not re-admit');
  registry.markReady(node.id, 1710);
  assert.equal(node.state, 'ready');
  registry.tick(2600);
  assert.equal(node.state, 'ready', 'the silence counts from the last heartbeat');
});

test('a health check that passes after the node went silent again does not re-admit it', () => {
  const { registry } = setup();
  const node = registry.join(info('a'), 0);
  registry.markReady(node.id, 2000);
  assert.equal(node.state, 'joining');
});

test('a dead node is told to join again, and its name is free for the new node', () => {
  const { registry } = setup();
  const old = registry.join(info('a'), 0);
  registry.markReady(old.id, 0);
  registry.tick(5000);
  assert.equal(registry.heartbeat(old.id, 5001, {}), 'gone');
  assert.equal(registry.liveByName('a'), undefined);
  const fresh = registry.join(info('a'), 5002);
  assert.notEqual(fresh.id, old.id);
  assert.deepEqual(registry.all().map((n) => n.id), [fresh.id]);
});

test('draining and leaving are states of their own; a departed node does not turn suspect', () => {
  const { registry, moves } = setup();
  const node = registry.join(info('a'), 0);
  registry.markReady(node.id, 0);
  registry.markDraining(node.id);
  registry.leave(node.id);
  registry.tick(10_000);
  assert.equal(node.state, 'left');
  assert.deepEqual(moves, ['a:joining->ready', 'a:ready->draining', 'a:draining->left']);
  registry.forget(10_000 + 60_001, 60_000);
  assert.equal(registry.all().length, 0);
});

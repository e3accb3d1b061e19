import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadProfile, parseProfile, serviceMs, serviceTable } from '../../src/sim/profile.js';
import { loadClusterSpec, parseClusterSpec, scaleCluster } from '../../src/sim/spec.js';
import { SpecError } from '../../src/sim/validate.js';
import { CLUSTER_YAML, PROFILE_YAML, REPO, toyCluster, toyProfile } from './helpers.js';

function specError(yaml: string): SpecError {
  const profile = toyProfile();
  try {
    parseClusterSpec(yaml, 'bad.yaml', () => profile);
  } catch (error) {
    assert.ok(error instanceof SpecError, `expected a SpecError, got ${String(error)}`);
    return error;
  }
  assert.fail('the spec was accepted');
}

test('the example specs and profiles load', () => {
  for (const name of ['hetero.yaml', 'large.yaml']) {
    const spec = loadClusterSpec(join(REPO, 'sim/examples', name));
    assert.ok(spec.nodes.length >= 3, name);
    for (const node of spec.nodes) assert.ok(spec.profile.classes.has(node.hardwareClass));
  }
  const large = loadClusterSpec(join(REPO, 'sim/examples/large.yaml'));
  assert.equal(large.nodes.reduce((n, g) => n + g.count * g.replicasPerNode, 0), 1000);
});

test('a valid spec compiles units and defaults', () => {
  const spec = toyCluster();
  assert.equal(spec.nodes[0]!.memoryBytes, 80 * 1024 ** 3);
  assert.equal(spec.nodes[0]!.replicasPerNode, 1);
  assert.deepEqual(spec.traffic.deadlineMs.throughput, { min: 100, max: 200 });
  assert.deepEqual(spec.traffic.rows.sizes, [1, 2, 4]);
  assert.equal(spec.maxQueueDelayMs.throughput, 5);
});

test('errors name the key, what was expected and what was found', () => {
  let e = specError(CLUSTER_YAML.replace('cost_per_hour: 0.2', 'cost_per_hour: cheap'));
  assert.match(e.message, /^bad\.yaml: nodes\[1\]\.cost_per_hour: must be a number >= 0, got "cheap"$/);
  e = specError(CLUSTER_YAML.replace('cost_per_hour: 3,', 'cots_per_hour: 3,'));
  assert.match(e.message, /nodes\[0\]\.cots_per_hour: is not a known key \(did you mean cost_per_hour\?\)/);
  e = specError(CLUSTER_YAML.replace('hardware_class: slower', 'hardware_class: tpu'));
  assert.match(e.message, /nodes\[2\]\.hardware_class: 'tpu' has no service-time table in toy-profile\.yaml \(it has: fast, slow, slower\)/);
  e = specError(CLUSTER_YAML.replace('tier: edge', 'tier: moon'));
  assert.match(e.message, /nodes\[2\]\.tier: must be one of edge, onprem, cloud, got "moon"/);
  e = specError(CLUSTER_YAML.replace('max_rows: 8', 'max_rows: 32'));
  assert.match(e.message, /traffic\.max_rows: is 32, above the smallest nodes\[\]\.max_batch_size \(8\)/);
  e = specError(CLUSTER_YAML.replace('count: 3,', 'count: 2.5,'));
  assert.match(e.message, /nodes\[1\]\.count: must be an integer >= 0, got 2\.5/);
  e = specError(CLUSTER_YAML.replace('realtime_fraction: 0.5', 'realtime_fraction: 1.5'));
  assert.match(e.message, /traffic\.realtime_fraction: must be a number >= 0 and <= 1, got 1\.5/);
  e = specError(CLUSTER_YAML.replace('throughput: [100, 200]', 'throughput: [200, 100]'));
  assert.match(e.message, /traffic\.deadline_ms\.throughput\[1\]: must be a number >= 200, got 100/);
  e = specError(CLUSTER_YAML.replace(/nodes:[\s\S]*?traffic:/, 'nodes: []\ntraffic:'));
  assert.match(e.message, /nodes: must not be empty/);
  e = specError(CLUSTER_YAML.replace('name: toy-hetero', 'name: [a'));
  assert.match(e.message, /bad\.yaml: is not valid YAML/);
  e = specError(CLUSTER_YAML.replace('model: { name: toy, profile: toy-profile.yaml }', 'model: { name: other, profile: toy-profile.yaml }'));
  assert.match(e.message, /model\.name: is 'other' but toy-profile\.yaml profiles 'toy'/);
});

test('a missing profile file is an error on model.profile', () => {
  assert.throws(() => parseClusterSpec(CLUSTER_YAML, join(REPO, 'sim/examples/none.yaml')), /none\.yaml: model\.profile: cannot read the profile .*toy-profile\.yaml/);
});

test('profile errors name the class and key', () => {
  assert.throws(() => parseProfile(PROFILE_YAML.replace('1: 0.2,', '1: -0.2,'), 'p.yaml'), /p\.yaml: classes\.fast\.batch_ms\.1: must be a number > 0, got -0\.2/);
  assert.throws(() => parseProfile(PROFILE_YAML.replace('class: slow,', 'class: medium,'), 'p.yaml'), /classes\.slower\.derived_from\.class: 'medium' is not a class with a batch_ms table/);
  assert.throws(() => parseProfile(PROFILE_YAML.replace(/\n +source: test numbers\n/, '\n'), 'p.yaml'), /classes\.fast\.source: is required/);
  assert.throws(() => parseProfile(PROFILE_YAML.replace(/simulated: true\n    source: test numbers, slow x 2/, 'simulated: false\n    source: x'), 'p.yaml'), /classes\.slower\.simulated: must be true for a derived class/);
});

test('service times interpolate between sizes and extend past the largest', () => {
  const fast = toyProfile().classes.get('fast')!;
  assert.equal(serviceMs(fast, 1), 0.2);
  assert.ok(Math.abs(serviceMs(fast, 4) - (0.2 + (0.1 * 3) / 7)) < 1e-12);
  assert.equal(serviceMs(fast, 64), 1.0);
  assert.ok(Math.abs(serviceMs(fast, 128) - (1.0 + (0.7 * 64) / 56)) < 1e-12);
  const slower = toyProfile().classes.get('slower')!;
  assert.equal(serviceMs(slower, 8), 20);
  const table = serviceTable(fast, 64);
  assert.equal(table.length, 65);
  assert.equal(table[64], 1.0);
});

test('the repository profiles carry their provenance', () => {
  for (const name of ['mlp-8m', 'sensor-anomaly']) {
    const profile = loadProfile(join(REPO, 'sim/profiles', `${name}.yaml`));
    assert.equal(profile.model, name);
    for (const c of profile.classes.values()) assert.ok(c.source.length > 40, `${name} ${c.hardwareClass} says where its numbers come from`);
    assert.equal(profile.classes.get('cpu-x86')?.simulated, false);
    assert.equal(profile.classes.get('gpu-h200')?.simulated, true);
    assert.equal(profile.classes.get('edge-arm')?.simulated, true);
    assert.deepEqual(profile.classes.get('cpu-x86')?.sizes, [1, 2, 4, 8, 16, 32, 64, 128, 256]);
  }
});

test('scaling a cluster keeps at least one node per group', () => {
  const spec = toyCluster();
  const half = scaleCluster(spec, 0.5);
  assert.deepEqual(half.nodes.map((n) => n.count), [1, 2, 2]);
  assert.deepEqual(scaleCluster(spec, 0.01).nodes.map((n) => n.count), [1, 1, 1]);
});

/** Small in-memory clusters for the simulator tests. */
import { fileURLToPath } from 'node:url';
import { parseProfile, type ModelProfile } from '../../src/sim/profile.js';
import { parseClusterSpec, type ClusterSpec } from '../../src/sim/spec.js';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

export const PROFILE_YAML = `
model: toy
max_batch_size: 64
classes:
  fast:
    simulated: true
    source: test numbers
    batch_ms: { 1: 0.2, 8: 0.3, 64: 1.0 }
  slow:
    simulated: true
    source: test numbers
    batch_ms: { 1: 4, 8: 10, 64: 60 }
  slower:
    simulated: true
    source: test numbers, slow x 2
    derived_from: { class: slow, factor: 2 }
`;

export function toyProfile(): ModelProfile {
  return parseProfile(PROFILE_YAML, 'toy-profile.yaml');
}

/** One fast node, six slow ones, four slower edge ones. */
export const CLUSTER_YAML = `
name: toy-hetero
model: { name: toy, profile: toy-profile.yaml }
deployment:
  max_queue: 5000
  batching: { max_queue_delay_ms: { realtime: 1, throughput: 5 } }
nodes:
  - { name: gpu, hardware_class: fast, tier: cloud, count: 1, cost_per_hour: 3, memory_gib: 80, max_batch_size: 64 }
  - { name: cpu, hardware_class: slow, tier: onprem, count: 3, replicas_per_node: 2, cost_per_hour: 0.2, memory_gib: 16, max_batch_size: 16 }
  - { name: edge, hardware_class: slower, tier: edge, count: 4, cost_per_hour: 0.01, memory_gib: 4, max_batch_size: 8 }
traffic:
  realtime_fraction: 0.5
  deadline_ms: { realtime: 20, throughput: [100, 200] }
  priorities: { critical: 0.1, standard: 0.8, sheddable: 0.1 }
  rows: { 1: 0.7, 2: 0.2, 4: 0.1 }
  max_rows: 8
`;

export function toyCluster(yaml = CLUSTER_YAML): ClusterSpec {
  const profile = toyProfile();
  return parseClusterSpec(yaml, 'toy-cluster.yaml', () => profile);
}

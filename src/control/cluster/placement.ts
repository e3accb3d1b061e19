/**
 * Placement of replicas on nodes, as a pure plan over what is placed now: replicas go to ready
 * nodes whose devices fit (device kind, hardware class, free memory, tier), spread across nodes
 * (at most `maxPerNode` of one deployment on a node, fewest first), and replicas on dead or
 * departed nodes are dropped so their deployments are placed again elsewhere. Replicas on a
 * suspect node keep their place: the node may come back within a heartbeat or two.
 */
import type { DeviceKind } from '../../hardware/device.js';
import type { Tier } from '../../scheduler/types.js';
import type { NodeState } from './node-registry.js';

export interface DeploymentNeed {
  readonly deployment: string;
  readonly replicas: number;
  /** Device memory one replica takes. */
  readonly memoryBytes: number;
  readonly deviceKind: DeviceKind;
  /** Hardware classes allowed; all when absent. */
  readonly hardwareClasses?: readonly string[];
  /** Tiers allowed (residency); all when absent. */
  readonly tiers?: readonly Tier[];
}

export interface PlacementDevice {
  readonly id: string;
  readonly kind: DeviceKind;
  readonly class: string | null;
  readonly memoryBytes: number;
}

export interface PlacementNode {
  readonly id: string;
  readonly state: NodeState;
  readonly tier: Tier;
  readonly devices: readonly PlacementDevice[];
}

export interface PlacedReplica {
  readonly replicaId: string;
  readonly deployment: string;
  readonly node: string;
  readonly device: string;
}

export interface NewReplica {
  readonly deployment: string;
  readonly node: string;
  readonly device: string;
}

export interface PlacementPlan {
  readonly add: readonly NewReplica[];
  /** Replica ids to retire, with why. */
  readonly remove: readonly { readonly replicaId: string; readonly reason: string }[];
  /** Deployments that could not get all their replicas, with how many are missing. */
  readonly unplaced: readonly { readonly deployment: string; readonly missing: number }[];
}

export interface PlacementInput {
  readonly needs: readonly DeploymentNeed[];
  readonly nodes: readonly PlacementNode[];
  readonly current: readonly PlacedReplica[];
  readonly maxPerNode: number;
  /** `deployment@node` pairs that may not be placed again (the node refused the replica, e.g. a digest mismatch). */
  readonly refused?: ReadonlySet<string>;
}

const GONE: ReadonlySet<NodeState> = new Set(['dead', 'left']);

export function refusalKey(deployment: string, node: string): string {
  return `${deployment}@${node}`;
}

export function planPlacement(input: PlacementInput): PlacementPlan {
  const nodes = new Map(input.nodes.map((n) => [n.id, n]));
  const needs = new Map(input.needs.map((n) => [n.deployment, n]));
  const remove: { replicaId: string; reason: string }[] = [];
  const kept: PlacedReplica[] = [];
  for (const placed of input.current) {
    const node = nodes.get(placed.node);
    if (!needs.has(placed.deployment)) remove.push({ replicaId: placed.replicaId, reason: 'deployment removed' });
    else if (!node || GONE.has(node.state)) remove.push({ replicaId: placed.replicaId, reason: `node ${placed.node} is ${node?.state ?? 'gone'}` });
    else kept.push(placed);
  }
  // Memory each device has promised to replicas already.
  const used = new Map<string, number>();
  const deviceKey = (node: string, device: string): string => `${node}/${device}`;
  for (const placed of kept) {
    const need = needs.get(placed.deployment)!;
    used.set(deviceKey(placed.node, placed.device), (used.get(deviceKey(placed.node, placed.device)) ?? 0) + need.memoryBytes);
  }
  const perNode = new Map<string, number>();
  for (const placed of kept) perNode.set(placed.node, (perNode.get(placed.node) ?? 0) + 1);

  const add: NewReplica[] = [];
  const unplaced: { deployment: string; missing: number }[] = [];
  for (const need of [...input.needs].sort((a, b) => a.deployment.localeCompare(b.deployment))) {
    const mine = kept.filter((p) => p.deployment === need.deployment);
    // Too many (the count went down): retire from the most crowded nodes first.
    if (mine.length > need.replicas) {
      const crowded = [...mine].sort((a, b) => (perNode.get(b.node) ?? 0) - (perNode.get(a.node) ?? 0) || b.replicaId.localeCompare(a.replicaId));
      for (const extra of crowded.slice(0, mine.length - need.replicas)) remove.push({ replicaId: extra.replicaId, reason: 'more replicas than the deployment asks for' });
      continue;
    }
    const onNode = new Map<string, number>();
    for (const placed of mine) onNode.set(placed.node, (onNode.get(placed.node) ?? 0) + 1);
    let missing = need.replicas - mine.length;
    while (missing > 0) {
      const choice = bestFit(need, input, onNode, perNode, used, deviceKey);
      if (!choice) break;
      add.push({ deployment: need.deployment, node: choice.node, device: choice.device });
      onNode.set(choice.node, (onNode.get(choice.node) ?? 0) + 1);
      perNode.set(choice.node, (perNode.get(choice.node) ?? 0) + 1);
      used.set(deviceKey(choice.node, choice.device), (used.get(deviceKey(choice.node, choice.device)) ?? 0) + need.memoryBytes);
      missing--;
    }
    if (missing > 0) unplaced.push({ deployment: need.deployment, missing });
  }
  return { add, remove, unplaced };
}

function bestFit(
  need: DeploymentNeed,
  input: PlacementInput,
  onNode: ReadonlyMap<string, number>,
  perNode: ReadonlyMap<string, number>,
  used: ReadonlyMap<string, number>,
  deviceKey: (node: string, device: string) => string,
): { node: string; device: string } | undefined {
  let best: { node: string; device: string; spread: number; load: number; free: number } | undefined;
  for (const node of input.nodes) {
    if (node.state !== 'ready') continue;
    if (need.tiers && !need.tiers.includes(node.tier)) continue;
    if (input.refused?.has(refusalKey(need.deployment, node.id))) continue;
    const spread = onNode.get(node.id) ?? 0;
    if (spread >= input.maxPerNode) continue;
    for (const device of node.devices) {
      if (device.kind !== need.deviceKind) continue;
      if (need.hardwareClasses && (device.class === null || !need.hardwareClasses.includes(device.class))) continue;
      const free = device.memoryBytes - (used.get(deviceKey(node.id, device.id)) ?? 0);
      if (free < need.memoryBytes) continue;
      const load = perNode.get(node.id) ?? 0;
      // Fewest replicas of this deployment first (spread), then the least loaded node, then the most free memory.
      const better = !best || spread < best.spread || (spread === best.spread && (load < best.load || (load === best.load && (free > best.free || (free === best.free && node.id < best.node)))));
      if (better) best = { node: node.id, device: device.id, spread, load, free };
    }
  }
  return best && { node: best.node, device: best.device };
}

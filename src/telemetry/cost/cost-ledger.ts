/**
 * Cost accounting: each node costs its price per hour for as long as it is up; that cost is
 * attributed to the replicas on it in proportion to their busy time (batch compute time), and
 * what no replica used is the node's idle cost. Cost per 1,000 inferences is a replica
 * group's attributed cost divided by its inferences (rows served), times 1,000. Pure: time
 * arrives as `nowMs` values from the host's clock.
 *
 * For a node up T hours at price P with busy seconds b_r per replica group r:
 *   node cost C = P * T;  busy B = sum b_r;  attributed_r = C * b_r / max(T * 3600, B);
 *   idle = C - sum attributed_r.
 * The max() keeps attribution within C when replicas overlap (several instances busy at once).
 */
import { LabelCache } from '../label-cache.js';

export interface NodeCost {
  readonly node: string;
  readonly hardwareClass: string;
  readonly costPerHour: number;
  /** Where the price came from (catalog class, configuration). */
  readonly priceSource: string;
  readonly simulated: boolean;
}

export interface UsageKey {
  readonly model: string;
  readonly version: string;
  readonly hardwareClass: string;
  readonly node: string;
}

interface Usage extends UsageKey {
  busySeconds: number;
  inferences: number;
  batches: number;
}

export interface NodeReport extends NodeCost {
  readonly upSeconds: number;
  readonly costDollars: number;
  readonly busySeconds: number;
  readonly attributedDollars: number;
  readonly idleDollars: number;
  readonly utilisation: number;
}

export interface UsageReport extends UsageKey {
  readonly inferences: number;
  readonly batches: number;
  readonly busySeconds: number;
  readonly costDollars: number;
  /** Undefined until the group has served an inference. */
  readonly costPer1kInferences: number | undefined;
}

export interface CostReport {
  readonly currency: 'USD';
  readonly nodes: readonly NodeReport[];
  readonly usage: readonly UsageReport[];
  /** Per model and hardware class, summed over versions and nodes. */
  readonly byModel: readonly { model: string; hardwareClass: string; inferences: number; costDollars: number; costPer1kInferences: number | undefined }[];
  readonly totalDollars: number;
  readonly idleDollars: number;
}

export class CostLedger {
  private readonly nodes = new Map<string, { cost: NodeCost; sinceMs: number }>();
  private readonly usage = new Map<string, Usage>();
  /** The same records found through nested maps: a joined key per batch cost a concatenation and its hash. */
  private readonly byParts = new LabelCache<Usage>((model, version, hardwareClass, node) => {
    const usage = { model, version, hardwareClass, node, busySeconds: 0, inferences: 0, batches: 0 };
    this.usage.set(`${model}\u0000${version}\u0000${hardwareClass}\u0000${node}`, usage);
    return usage;
  });

  addNode(cost: NodeCost, sinceMs: number): void {
    if (!this.nodes.has(cost.node)) this.nodes.set(cost.node, { cost, sinceMs });
  }

  /** One batch ran: its compute time is busy time of the replica's node. */
  recordBatch(key: UsageKey, computeSeconds: number, rows: number): void {
    const usage = this.byParts.get(key.model, key.version, key.hardwareClass, key.node);
    usage.busySeconds += computeSeconds;
    usage.inferences += rows;
    usage.batches += 1;
  }

  report(nowMs: number): CostReport {
    const usageList = [...this.usage.values()];
    const nodes: NodeReport[] = [];
    const usage: UsageReport[] = [];
    for (const { cost, sinceMs } of this.nodes.values()) {
      const upSeconds = Math.max(0, (nowMs - sinceMs) / 1000);
      const costDollars = (cost.costPerHour * upSeconds) / 3600;
      const onNode = usageList.filter((u) => u.node === cost.node);
      const busySeconds = onNode.reduce((n, u) => n + u.busySeconds, 0);
      const capacity = Math.max(upSeconds, busySeconds);
      let attributedDollars = 0;
      for (const u of onNode) {
        const share = capacity > 0 ? (costDollars * u.busySeconds) / capacity : 0;
        attributedDollars += share;
        usage.push({
          model: u.model,
          version: u.version,
          hardwareClass: u.hardwareClass,
          node: u.node,
          inferences: u.inferences,
          batches: u.batches,
          busySeconds: u.busySeconds,
          costDollars: share,
          costPer1kInferences: u.inferences > 0 ? (share / u.inferences) * 1000 : undefined,
        });
      }
      nodes.push({ ...cost, upSeconds, costDollars, busySeconds, attributedDollars, idleDollars: costDollars - attributedDollars, utilisation: upSeconds > 0 ? Math.min(1, busySeconds / upSeconds) : 0 });
    }
    const grouped = new Map<string, { model: string; hardwareClass: string; inferences: number; costDollars: number }>();
    for (const u of usage) {
      const id = `${u.model}\u0000${u.hardwareClass}`;
      const g = grouped.get(id) ?? { model: u.model, hardwareClass: u.hardwareClass, inferences: 0, costDollars: 0 };
      g.inferences += u.inferences;
      g.costDollars += u.costDollars;
      grouped.set(id, g);
    }
    const byModel = [...grouped.values()].map((g) => ({ ...g, costPer1kInferences: g.inferences > 0 ? (g.costDollars / g.inferences) * 1000 : undefined }));
    return {
      currency: 'USD',
      nodes,
      usage,
      byModel,
      totalDollars: nodes.reduce((n, x) => n + x.costDollars, 0),
      idleDollars: nodes.reduce((n, x) => n + x.idleDollars, 0),
    };
  }
}

/**
 * Which replicas serve what, and how much traffic burst to another tier: an info gauge per
 * replica (its class, tier, node and whether it is simulated: declared devices are always
 * labelled so) and a counter of requests served outside their home tier.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export interface ReplicaInfo {
  readonly model: string;
  readonly version: string;
  readonly replica: string;
  readonly node: string;
  readonly hardwareClass: string;
  readonly tier: string;
  readonly backend: string;
  readonly simulated: boolean;
  readonly state: string;
}

type BurstLabel = 'model' | 'version' | 'from_tier' | 'to_tier';

export class ReplicaMetrics {
  private readonly burst: Counter<BurstLabel>;
  private readonly burstChildren = new Map<string, Counter.Internal>();

  constructor(registry: Registry, replicas: () => Iterable<ReplicaInfo>) {
    new Gauge({
      name: 'switchyard_replica_info',
      help: 'One series per replica (value 1): its hardware class, tier, node, backend, state, and simulated="true" for a declared device run by the sim backend.',
      labelNames: ['model', 'version', 'replica', 'node', 'hardware_class', 'tier', 'backend', 'simulated', 'state'],
      registers: [registry],
      collect() {
        this.reset();
        for (const r of replicas()) {
          this.set({ model: r.model, version: r.version, replica: r.replica, node: r.node, hardware_class: r.hardwareClass, tier: r.tier, backend: r.backend, simulated: String(r.simulated), state: r.state }, 1);
        }
      },
    });
    this.burst = new Counter({
      name: 'switchyard_burst_requests_total',
      help: 'Requests served on the cloud tier of a model version that also has edge or on-prem replicas: the router sends work there only when home cannot meet its deadline, or when its hints allow nothing else.',
      labelNames: ['model', 'version', 'from_tier', 'to_tier'],
      registers: [registry],
    });
  }

  observeBurst(model: string, version: string, fromTier: string, toTier: string): void {
    const key = `${model}\u0000${version}\u0000${fromTier}\u0000${toTier}`;
    let child = this.burstChildren.get(key);
    if (!child) {
      child = this.burst.labels({ model, version, from_tier: fromTier, to_tier: toTier });
      this.burstChildren.set(key, child);
    }
    child.inc();
  }
}

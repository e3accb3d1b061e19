/**
 * Replicas of one deployment that look alike to a request's hints: same hardware class, tier,
 * memory and price. Hints are checked once per group, not once per replica, so routing cost
 * grows with the number of hardware kinds, not of replicas.
 */
import type { ReplicaRuntime } from './replica.js';
import type { RequestHints } from './types.js';

export class ReplicaGroup<P> {
  readonly members: ReplicaRuntime<P>[] = [];
  /** Members whose state is `ready`; rebuilt on state changes (rare), read on every request. */
  ready: ReplicaRuntime<P>[] = [];

  constructor(
    readonly key: string,
    readonly hardwareClass: string,
    readonly tier: string,
    readonly memoryBytes: number,
    readonly costPerHour: number,
    readonly maxBatchSize: number,
  ) {}

  static keyOf(spec: { hardwareClass: string; tier: string; memoryBytes: number; costPerHour: number; maxBatchSize: number }): string {
    return `${spec.hardwareClass}|${spec.tier}|${spec.memoryBytes}|${spec.costPerHour}|${spec.maxBatchSize}`;
  }

  refresh(): void {
    this.ready = this.members.filter((r) => r.state === 'ready');
  }

  /** Whether the request can run here at all (cost is checked per replica, it depends on load). */
  fits(hints: RequestHints, rows: number): boolean {
    if (rows > this.maxBatchSize) return false;
    if (hints.hardwareClasses && !hints.hardwareClasses.includes(this.hardwareClass)) return false;
    if (hints.tiers && !hints.tiers.includes(this.tier as never)) return false;
    if (hints.memoryBytes !== undefined && hints.memoryBytes > this.memoryBytes) return false;
    return true;
  }
}

/**
 * Envoy-style ejection of replicas: the base state a replica's host wants (node and agent
 * health) against the effective state the scheduler sees, which an ejection holds `failed`
 * until its readmission timer fires. Without outlier detection (no cluster) nothing is ejected.
 */
import type { Clock } from '../../core/clock.js';
import type { ReplicaState } from '../../scheduler/types.js';
import type { OutlierDetector } from './outlier-detector.js';

export class Ejections {
  private readonly baseStates = new Map<string, ReplicaState>();
  private readonly readmitTimers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly clock: Clock,
    private readonly outliers: OutlierDetector | undefined,
    /** Called when a readmission timer fires: the replica's effective state is due again. */
    private readonly readmit: (replicaId: string) => void,
  ) {}

  setBase(replicaId: string, state: ReplicaState): void {
    this.baseStates.set(replicaId, state);
  }

  has(replicaId: string): boolean {
    return this.baseStates.has(replicaId);
  }

  isEjected(replicaId: string, now: number): boolean {
    return this.outliers?.isEjected(replicaId, now) ?? false;
  }

  /** What the scheduler should see: the base state, or `failed` while ejected. */
  effective(replicaId: string): ReplicaState {
    const base = this.baseStates.get(replicaId) ?? 'ready';
    return base === 'ready' && this.outliers?.isEjected(replicaId, this.clock.now()) ? 'failed' : base;
  }

  success(replicaId: string): void {
    this.outliers?.success(replicaId, this.clock.now());
  }

  /** A failed batch; an ejection it starts arms the readmission timer and is returned. */
  failure(replicaId: string, lost: boolean): { readonly count: number; readonly untilMs: number } | undefined {
    if (!this.outliers) return undefined;
    const ejection = this.outliers.failure(replicaId, this.clock.now(), lost);
    if (!ejection) return undefined;
    this.clearTimer(replicaId);
    const timer = setTimeout(() => {
      this.readmitTimers.delete(replicaId);
      this.readmit(replicaId);
    }, Math.max(0, ejection.untilMs - this.clock.now()) + 1);
    timer.unref();
    this.readmitTimers.set(replicaId, timer);
    return ejection;
  }

  /** Ends an ejection in progress (the node passed a health check); false when none was. */
  uneject(replicaId: string): boolean {
    if (!this.outliers?.isEjected(replicaId, this.clock.now())) return false;
    this.outliers.uneject(replicaId, this.clock.now());
    this.clearTimer(replicaId);
    return true;
  }

  forget(replicaId: string): void {
    this.baseStates.delete(replicaId);
    this.outliers?.forget(replicaId);
    this.clearTimer(replicaId);
  }

  close(): void {
    for (const timer of this.readmitTimers.values()) clearTimeout(timer);
    this.readmitTimers.clear();
  }

  private clearTimer(replicaId: string): void {
    const timer = this.readmitTimers.get(replicaId);
    if (timer) clearTimeout(timer);
    this.readmitTimers.delete(replicaId);
  }
}

/**
 * Every SLO of this process, found by deployment and latency class on the request path (two
 * map lookups, no allocation), and the state the control loop last decided for each, which
 * the serving path reads through SloSignals.
 */
import type { Clock } from '../../core/clock.js';
import type { LatencyClass } from '../../core/contract.js';
import { deploymentName } from '../../core/deployment-name.js';
import type { SloObjective } from './objective.js';
import { SLO_CALM, type SloSignals, type SloState } from './slo-signals.js';
import { SloTracker } from './slo-tracker.js';
import type { SloRecorder } from './slo-recorder.js';

export class SloBook implements SloSignals, SloRecorder {
  private readonly byId = new Map<string, SloTracker>();
  private readonly byDeployment = new Map<string, Map<LatencyClass, SloTracker>>();
  private readonly states = new Map<string, Map<LatencyClass, SloState>>();

  constructor(private readonly clock: Clock) {}

  /** Adds or replaces an SLO; a replaced one keeps its counts (same window) or starts over. */
  set(objective: SloObjective): void {
    const existing = this.byId.get(objective.id);
    if (existing) {
      existing.update(objective);
      return;
    }
    const tracker = new SloTracker(objective);
    this.byId.set(objective.id, tracker);
    const deployment = deploymentName(objective);
    let classes = this.byDeployment.get(deployment);
    if (!classes) {
      classes = new Map();
      this.byDeployment.set(deployment, classes);
    }
    classes.set(objective.latencyClass, tracker);
  }

  get(id: string): SloTracker | undefined {
    return this.byId.get(id);
  }

  all(): IterableIterator<SloTracker> {
    return this.byId.values();
  }

  /** The request path: counts one answer for the deployment's SLO of that class, if any. */
  record(deployment: string, latencyClass: LatencyClass, seconds: number, serverError: boolean): void {
    const tracker = this.byDeployment.get(deployment)?.get(latencyClass);
    if (tracker) tracker.record(this.clock.wallNow(), seconds, serverError);
  }

  /** Written by the control loop after each evaluation. */
  setState(objective: SloObjective, state: SloState): void {
    const deployment = deploymentName(objective);
    let classes = this.states.get(deployment);
    if (!classes) {
      classes = new Map();
      this.states.set(deployment, classes);
    }
    classes.set(objective.latencyClass, state);
  }

  sloState(deployment: string, latencyClass?: LatencyClass): SloState {
    const classes = this.states.get(deployment);
    if (!classes) return SLO_CALM;
    if (latencyClass !== undefined) return classes.get(latencyClass) ?? SLO_CALM;
    let merged: SloState = SLO_CALM;
    for (const state of classes.values()) {
      if (!state.shed && !state.fallback && !state.freeze) continue;
      merged = merged === SLO_CALM ? state : {
        shed: merged.shed || state.shed,
        fallback: merged.fallback || state.fallback,
        freeze: merged.freeze || state.freeze,
        reason: [merged.reason, state.reason].filter(Boolean).join('; '),
        retryAfterSeconds: Math.max(merged.retryAfterSeconds, state.retryAfterSeconds),
      };
    }
    return merged;
  }
}

/**
 * From one SLO evaluation to the state the serving path reads: which actions are in force and
 * why. Shed and fallback answer the fast-burn (page) pairs only: a 3-day slow burn is a ticket,
 * not a reason to turn traffic away. Freeze holds while any pair fires or the budget is spent.
 */
import type { SloState } from '../../telemetry/slo/slo-signals.js';
import { SLO_CALM } from '../../telemetry/slo/slo-signals.js';
import type { FiringPair, SloStatus } from '../../telemetry/slo/slo-tracker.js';

/** Why: long enough that a refused caller does not hammer, short against the 5-minute window. */
export const SHED_RETRY_AFTER_SECONDS = 30;

export function describeFiring(id: string, f: FiringPair): string {
  const round = (x: number): string => x.toFixed(1);
  const [long, short] = f.pair.name.split('_');
  return `${f.sli} SLO of ${id} burns ${round(f.longBurn)}x over ${long ?? ''} and ${round(f.shortBurn)}x over ${short ?? ''} (above ${f.pair.factor}x)`;
}

export function decideState(status: SloStatus): SloState {
  const { objective, firing } = status;
  const pages = firing.filter((f) => f.pair.severity === 'page');
  const spent = status.budgetRemaining.latency <= 0 || status.budgetRemaining.availability <= 0;
  const shed = objective.actions.includes('shed') && pages.length > 0;
  const fallback = objective.actions.includes('fallback') && pages.length > 0;
  const freeze = objective.actions.includes('freeze') && (firing.length > 0 || (spent && status.totalInWindow > 0));
  if (!shed && !fallback && !freeze) return SLO_CALM;
  const first = pages[0] ?? firing[0];
  const reason = first ? describeFiring(objective.id, first) : `the error budget of ${objective.id} is spent`;
  return Object.freeze({ shed, fallback, freeze, reason, retryAfterSeconds: SHED_RETRY_AFTER_SECONDS });
}

/**
 * Error budgets and burn rates, after the SRE workbook ("Alerting on SLOs", multiwindow,
 * multi-burn-rate): a pair fires when the burn rate over both its long and its short window
 * exceeds its factor. The burn rate is the observed bad share divided by the share the
 * objective allows (1 - target): 1 spends the budget exactly over the window.
 */
import type { WindowCounts } from './minute-ring.js';

export type Severity = 'page' | 'ticket';

export interface BurnPair {
  readonly name: string;
  readonly factor: number;
  readonly longMs: number;
  readonly shortMs: number;
  readonly severity: Severity;
}

const MIN = 60_000;
const HOUR = 60 * MIN;

/** The workbook's three pairs: 2% of a 30-day budget in 1 h, 5% in 6 h, 10% in 3 days. */
export const BURN_PAIRS: readonly BurnPair[] = Object.freeze([
  { name: '1h_5m', factor: 14.4, longMs: HOUR, shortMs: 5 * MIN, severity: 'page' },
  { name: '6h_30m', factor: 6, longMs: 6 * HOUR, shortMs: 30 * MIN, severity: 'page' },
  { name: '3d_6h', factor: 1, longMs: 72 * HOUR, shortMs: 6 * HOUR, severity: 'ticket' },
]);

/** Every window a pair uses, once each, for burn-rate gauges. */
export const BURN_WINDOWS: readonly { readonly name: string; readonly ms: number }[] = Object.freeze([
  { name: '5m', ms: 5 * MIN },
  { name: '30m', ms: 30 * MIN },
  { name: '1h', ms: HOUR },
  { name: '6h', ms: 6 * HOUR },
  { name: '3d', ms: 72 * HOUR },
]);

export function burnRate(bad: number, total: number, target: number): number {
  if (total === 0) return 0;
  return bad / total / (1 - target);
}

/** Share of the window's error budget not yet spent: 1 untouched, 0 spent, negative overspent. */
export function budgetRemaining(bad: number, total: number, target: number): number {
  if (total === 0) return 1;
  return 1 - bad / (total * (1 - target));
}

export type Sli = 'latency' | 'availability';
export const SLIS: readonly Sli[] = ['latency', 'availability'];

export function badOf(counts: WindowCounts, sli: Sli): number {
  return sli === 'latency' ? counts.slowOrErrors : counts.errors;
}

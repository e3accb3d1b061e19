/**
 * Refusals at admission (the queue is full, no replica can meet the deadline, sheddable traffic
 * shed while an SLO burns, a tenant over quota) go to the audit log as counts: one row per
 * caller, model version and reason for each flush in which any happened, with how many, the
 * first and last time and the slowest answer. Why not a row each: at three times capacity two
 * requests in three are refused, and a row each cost the audit thread a sizeable share of the
 * refusal itself (docs/hot-path.md) — work spent on requests being turned away, at the moment
 * the server can least afford it. Nothing was run for them and their bodies were mostly never read,
 * so a per-request row held no more than the count does.
 */
import { roundMs, type Clock } from '../../core/clock.js';
import { ERROR_CATALOGUE, type ErrorDefinition } from '../../core/errors.js';
import { isoTime } from '../../core/iso-time.js';
import type { AuditBuffer, WeightedEntry } from '../../registry/audit/audit-buffer.js';
import type { InferenceSummary } from './inference-groups.js';

/** The outcomes counted here rather than written one each: the catalogue's refusals at admission. */
export const TALLIED_REFUSALS: ReadonlySet<string> = new Set(
  Object.entries(ERROR_CATALOGUE as Readonly<Record<string, ErrorDefinition>>)
    .filter(([, definition]) => definition.admission === true)
    .map(([code]) => code),
);

interface Count {
  readonly actor: string;
  readonly model: string;
  readonly version: string;
  readonly digest: string | null;
  readonly outcome: string;
  count: number;
  readonly firstMs: number;
  lastMs: number;
  maxLatencyMs: number;
}

/** What a refusal's summary has: an inference's, less the input digest (its body was mostly never read). */
export type Refusal = Omit<InferenceSummary, 'inputSha256'>;

export class RefusalTally {
  private counts = new Map<string, Count>();

  constructor(
    private readonly buffer: AuditBuffer,
    private readonly clock: Clock,
  ) {
    buffer.addSource(() => this.drain());
  }

  add(refusal: Refusal): void {
    const key = `${refusal.actor}\u0000${refusal.model}\u0000${refusal.version}\u0000${refusal.outcome}`;
    const now = this.clock.wallNow();
    let count = this.counts.get(key);
    if (!count) {
      const { actor, model, version, outcome } = refusal;
      count = { actor, model, version, digest: refusal.digest ?? null, outcome, count: 0, firstMs: now, lastMs: now, maxLatencyMs: 0 };
      this.counts.set(key, count);
      this.buffer.wake();
    }
    count.count += 1;
    count.lastMs = now;
    count.maxLatencyMs = Math.max(count.maxLatencyMs, refusal.latencyMs);
  }

  private drain(): WeightedEntry[] {
    if (this.counts.size === 0) return [];
    const entries: WeightedEntry[] = [];
    for (const c of this.counts.values()) {
      const firstAt = isoTime(c.firstMs);
      const entry = {
        actor: c.actor,
        action: 'inference-refusals',
        target: `model/${c.model}/${c.version}`,
        at: firstAt,
        // Keys in sorted order, as the audit log's canonical form writes them.
        detail: { count: c.count, digest: c.digest, firstAt, lastAt: isoTime(c.lastMs), maxLatencyMs: roundMs(c.maxLatencyMs), model: c.model, outcome: c.outcome, version: c.version },
      };
      // One small row whatever the count: it weighs one against the buffer's bound.
      entries.push({ entry, weight: 1 });
    }
    this.counts = new Map();
    return entries;
  }
}

/**
 * Inference summaries go to the audit log grouped: one `inferences` row per caller and model
 * version for each flush (a new row every MAX_PER_ROW), holding each inference's own summary
 * as a tuple — its time as milliseconds after the row's `firstAt`, latency, outcome and input
 * digest. Every inference is still in the log, under the hash chain. Why not a row each: the
 * appender thread's cost is per row (serialise, hash, insert), a noticeable share of a fronted
 * upstream call's whole CPU, while a tuple in a shared row costs next to nothing and a quarter
 * of the bytes (figures in docs/hot-path.md).
 */
import { roundMs, type Clock } from '../../core/clock.js';
import { isoTime } from '../../core/iso-time.js';
import type { AuditBuffer, WeightedEntry } from '../../registry/audit/audit-buffer.js';

/** The columns of each tuple in `detail.inferences`, written into every row so it reads on its own. */
export const INFERENCE_FIELDS = ['offsetMs', 'latencyMs', 'outcome', 'inputSha256'] as const;
/** inputSha256 is null for a request refused from its headers: its body was never read. */
export type InferenceTuple = [offsetMs: number, latencyMs: number, outcome: string, inputSha256: string | null];

/** Inferences per row: bounds a row's size (~100 bytes each) and the work of hashing it. */
export const MAX_PER_ROW = 500;

export interface InferenceSummary {
  readonly actor: string;
  readonly model: string;
  readonly version: string;
  readonly digest: string | undefined;
  /** 'ok' or the error code. */
  readonly outcome: string;
  readonly latencyMs: number;
  readonly inputSha256: string | null;
}

interface Group {
  readonly actor: string;
  readonly model: string;
  readonly version: string;
  readonly digest: string | null;
  readonly firstMs: number;
  lastMs: number;
  readonly inferences: InferenceTuple[];
}

function groupKey(of: { readonly actor: string; readonly model: string; readonly version: string }): string {
  return `${of.actor}\u0000${of.model}\u0000${of.version}`;
}

export class InferenceGroups {
  private open = new Map<string, Group>();
  private full: Group[] = [];
  /** The group the last inference went to, while it is open. */
  private last: Group | undefined;
  /** Inferences held since the last drain, and whether they have asked for a flush yet. */
  private held = 0;
  private flushAsked = false;

  constructor(
    private readonly buffer: AuditBuffer,
    private readonly clock: Clock,
  ) {
    buffer.addSource(() => this.drain());
  }

  add(summary: InferenceSummary): void {
    const now = this.clock.wallNow();
    // Consecutive inferences are mostly the same caller's on the same version: that group is
    // taken as is, without building its key and hashing it into the map.
    let group = this.last;
    if (group === undefined || group.version !== summary.version || group.model !== summary.model || group.actor !== summary.actor) {
      const key = groupKey(summary);
      group = this.open.get(key);
      if (!group) {
        group = { actor: summary.actor, model: summary.model, version: summary.version, digest: summary.digest ?? null, firstMs: now, lastMs: now, inferences: [] };
        this.open.set(key, group);
        this.buffer.wake();
      }
      this.last = group;
    }
    group.lastMs = now;
    group.inferences.push([now - group.firstMs, roundMs(summary.latencyMs), summary.outcome, summary.inputSha256]);
    if (group.inferences.length >= MAX_PER_ROW) {
      this.open.delete(groupKey(group));
      this.full.push(group);
      this.last = undefined;
    }
    // As rows added one by one do: flush_max_rows summaries waiting start a flush at once.
    if (++this.held >= this.buffer.flushMaxRows && !this.flushAsked) {
      this.flushAsked = true;
      void this.buffer.flush();
    }
  }

  private drain(): WeightedEntry[] {
    this.held = 0;
    this.flushAsked = false;
    this.last = undefined;
    if (this.open.size === 0 && this.full.length === 0) return [];
    const entries: WeightedEntry[] = [];
    for (const group of [...this.full, ...this.open.values()]) {
      const firstAt = isoTime(group.firstMs);
      const entry = {
        actor: group.actor,
        action: 'inferences',
        target: `model/${group.model}/${group.version}`,
        at: firstAt,
        // Written here, as one string: keys in sorted order and only strings, numbers, null and
        // arrays of them, so JSON.stringify gives the log's canonical form (a test pins it). A
        // string crosses to the appender thread as one copy; 500 tuples would be cloned one by one.
        detailJson: JSON.stringify({
          count: group.inferences.length,
          digest: group.digest,
          fields: INFERENCE_FIELDS,
          firstAt,
          inferences: group.inferences,
          lastAt: isoTime(group.lastMs),
          model: group.model,
          version: group.version,
        }),
      };
      entries.push({ entry, weight: group.inferences.length });
    }
    this.full = [];
    this.open = new Map();
    return entries;
  }
}

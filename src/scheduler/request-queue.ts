/**
 * One replica's waiting requests: a level per priority (plus one below them for requests
 * demoted by the DELAY timeout action), each in earliest-deadline-first order, ties by arrival.
 */
import { PRIORITY_RANK, type Priority, type SchedulerRequest } from './types.js';

export interface Queued<P> {
  readonly request: SchedulerRequest<P>;
  readonly enqueuedAtMs: number;
  readonly seq: number;
}

export const DELAYED_LEVEL = 3;
const LEVELS = 4;

function before<P>(a: Queued<P>, b: Queued<P>): boolean {
  return a.request.deadlineMs < b.request.deadlineMs || (a.request.deadlineMs === b.request.deadlineMs && a.seq < b.seq);
}

export class RequestQueue<P> {
  private readonly levels: Queued<P>[][] = Array.from({ length: LEVELS }, () => []);
  private readonly levelRows = new Array<number>(LEVELS).fill(0);
  private rowCount = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get rows(): number {
    return this.rowCount;
  }

  /** Rows that would be served before a new request of this priority: its level and those above. */
  rowsAhead(priority: Priority): number {
    let rows = 0;
    for (let level = 0; level <= PRIORITY_RANK[priority]; level++) rows += this.levelRows[level]!;
    return rows;
  }

  push(item: Queued<P>, level = PRIORITY_RANK[item.request.priority]): void {
    const list = this.levels[level]!;
    // Deadlines mostly grow with arrival, so the slot is usually at the end: search from there.
    let at = list.length;
    while (at > 0 && before(item, list[at - 1]!)) at--;
    list.splice(at, 0, item);
    this.levelRows[level]! += item.request.rows;
    this.rowCount += item.request.rows;
    this.count++;
  }

  /** Requests in service order: priority levels, then earliest deadline. */
  *inOrder(): Generator<Queued<P>> {
    for (const list of this.levels) yield* list;
  }

  /** The levels in service order, for loops on the hot path (a generator costs more than the loop). */
  get byLevel(): readonly (readonly Queued<P>[])[] {
    return this.levels;
  }

  head(): Queued<P> | undefined {
    for (const list of this.levels) if (list.length > 0) return list[0];
    return undefined;
  }

  /** The earliest deadline among requests that can still expire (not already demoted). */
  earliestDeadline(): Queued<P> | undefined {
    let best: Queued<P> | undefined;
    for (let level = 0; level < DELAYED_LEVEL; level++) {
      const first = this.levels[level]![0];
      if (first && (!best || first.request.deadlineMs < best.request.deadlineMs)) best = first;
    }
    return best;
  }

  /** The oldest enqueue time, for max-queue-delay decisions. */
  oldestEnqueuedAt(): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (const list of this.levels) for (const item of list) if (item.enqueuedAtMs < oldest) oldest = item.enqueuedAtMs;
    return oldest;
  }

  /**
   * Takes these requests out. Why one at a time rather than filtering every level: they are
   * nearly always at the head of their level (a batch takes the first in line), where finding
   * one is a single comparison and taking it allocates nothing; filtering copied the whole
   * queue on every dispatch, which under overload is long.
   */
  remove(items: readonly Queued<P>[]): void {
    for (const item of items) {
      for (let level = 0; level < LEVELS; level++) {
        const list = this.levels[level]!;
        const at = list[0] === item ? 0 : list.indexOf(item);
        if (at < 0) continue;
        if (at === 0) list.shift();
        else list.splice(at, 1);
        this.levelRows[level]! -= item.request.rows;
        this.rowCount -= item.request.rows;
        this.count--;
        break;
      }
    }
  }

  /** Moves a request to the level below all priorities (Triton's DELAY timeout action). */
  demote(item: Queued<P>): void {
    this.remove([item]);
    this.push(item, DELAYED_LEVEL);
  }

  /** The least valuable request: lowest level, latest deadline; for shedding. */
  leastValuable(): Queued<P> | undefined {
    for (let level = LEVELS - 1; level >= 0; level--) {
      const list = this.levels[level]!;
      if (list.length > 0) return list[list.length - 1];
    }
    return undefined;
  }
}

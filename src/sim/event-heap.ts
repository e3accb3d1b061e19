/**
 * The simulator's future events (batch completions) as a binary min-heap on parallel typed
 * arrays: no object per event, ties broken by insertion order so a run is deterministic.
 * Each event carries an integer id and one number of payload.
 */
export class EventHeap {
  private times: Float64Array;
  private seqs: Float64Array;
  private ids: Float64Array;
  private values: Float64Array;
  private count = 0;
  private nextSeq = 0;

  constructor(capacity = 1024) {
    this.times = new Float64Array(capacity);
    this.seqs = new Float64Array(capacity);
    this.ids = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Time of the earliest event; Infinity when empty. */
  peekTime(): number {
    return this.count > 0 ? this.times[0]! : Number.POSITIVE_INFINITY;
  }

  /** Id and payload of the earliest event (read before `pop`). */
  peekId(): number {
    return this.ids[0]!;
  }

  peekValue(): number {
    return this.values[0]!;
  }

  private grow(): void {
    const size = this.times.length * 2;
    const copy = (from: Float64Array): Float64Array => {
      const to = new Float64Array(size);
      to.set(from);
      return to;
    };
    this.times = copy(this.times);
    this.seqs = copy(this.seqs);
    this.ids = copy(this.ids);
    this.values = copy(this.values);
  }

  private less(i: number, j: number): boolean {
    const ti = this.times[i]!;
    const tj = this.times[j]!;
    return ti < tj || (ti === tj && this.seqs[i]! < this.seqs[j]!);
  }

  private swap(i: number, j: number): void {
    const { times, seqs, ids, values } = this;
    let t = times[i]!;
    times[i] = times[j]!;
    times[j] = t;
    t = seqs[i]!;
    seqs[i] = seqs[j]!;
    seqs[j] = t;
    t = ids[i]!;
    ids[i] = ids[j]!;
    ids[j] = t;
    t = values[i]!;
    values[i] = values[j]!;
    values[j] = t;
  }

  push(timeMs: number, id: number, value: number): void {
    if (this.count === this.times.length) this.grow();
    let i = this.count++;
    this.times[i] = timeMs;
    this.seqs[i] = this.nextSeq++;
    this.ids[i] = id;
    this.values[i] = value;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** Removes the earliest event. */
  pop(): void {
    if (this.count === 0) return;
    this.count--;
    if (this.count === 0) return;
    this.swap(0, this.count);
    let i = 0;
    const n = this.count;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < n && this.less(left, smallest)) smallest = left;
      if (right < n && this.less(right, smallest)) smallest = right;
      if (smallest === i) return;
      this.swap(i, smallest);
      i = smallest;
    }
  }
}

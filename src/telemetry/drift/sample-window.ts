/**
 * A rolling window of samples of one feature: the newest `capacity` values no older than
 * `windowMs`, in a ring buffer (no allocation per sample). Time arrives as `nowMs`.
 */
export class SampleWindow {
  private readonly values: Float64Array;
  private readonly times: Float64Array;
  private start = 0;
  private count = 0;

  constructor(private readonly capacity: number, private readonly windowMs: number) {
    this.values = new Float64Array(capacity);
    this.times = new Float64Array(capacity);
  }

  push(value: number, nowMs: number): void {
    const at = (this.start + this.count) % this.capacity;
    this.values[at] = value;
    this.times[at] = nowMs;
    if (this.count < this.capacity) this.count += 1;
    else this.start = (this.start + 1) % this.capacity;
  }

  /** The samples inside the window at `nowMs`, oldest first; older ones are dropped. */
  snapshot(nowMs: number): number[] {
    while (this.count > 0 && this.times[this.start]! < nowMs - this.windowMs) {
      this.start = (this.start + 1) % this.capacity;
      this.count -= 1;
    }
    const out = new Array<number>(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.values[(this.start + i) % this.capacity]!;
    return out;
  }
}

/** Time as the rest of the code sees it: injected, so tests and the simulator can own it. */
export interface Clock {
  /** Milliseconds since an arbitrary origin, monotonic, sub-millisecond resolution. */
  now(): number;
  /** Milliseconds since the Unix epoch. */
  wallNow(): number;
}

export const systemClock: Clock = Object.freeze({
  now: () => performance.now(),
  wallNow: () => Date.now(),
});

/** A clock that only moves when told to. */
export class ManualClock implements Clock {
  constructor(private current = 0, private readonly epoch = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.current;
  }
  wallNow(): number {
    return this.epoch + this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

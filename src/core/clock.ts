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

/** Milliseconds to the microsecond: how durations appear in answers' metadata and the audit log. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

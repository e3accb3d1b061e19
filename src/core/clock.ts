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

/**
 * `String(roundMs(ms))`, written from whole microseconds. Why: printing a fraction takes V8's
 * shortest-digits algorithm (costly, and three per answer's metadata: docs/hot-path.md), an
 * integer almost nothing; a decimal of at most three places below 10^12 is its own shortest
 * form, so the text is the same. Anything else (negative, huge, not a number) goes the long way.
 */
export function msText(ms: number): string {
  const micros = Math.round(ms * 1000);
  if (!(micros >= 0 && micros < 1e15)) return String(micros / 1000);
  const whole = Math.floor(micros / 1000);
  const fraction = micros - whole * 1000;
  if (fraction === 0) return `${whole}`;
  if (fraction % 100 === 0) return `${whole}.${fraction / 100}`;
  if (fraction % 10 === 0) return `${whole}.${fraction < 100 ? '0' : ''}${fraction / 10}`;
  return `${whole}.${fraction < 10 ? '00' : fraction < 100 ? '0' : ''}${fraction}`;
}

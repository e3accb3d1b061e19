/** Command-line flag values shared by the benchmarks. */

/** A positive integer flag: the fallback when absent, a clear error when not a positive integer. */
export function positiveIntegerFlag(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${flag} must be a positive integer, got '${raw}'`);
  return n;
}

/**
 * Epoch milliseconds as ISO 8601 text, exactly as `new Date(ms).toISOString()` writes it, for
 * hot paths: the date and time to the second are built once per second and only the
 * milliseconds per call (toISOString took most of an audit summary's main-thread cost).
 */
let second = Number.NaN;
let prefix = '';

export function isoTime(ms: number): string {
  const whole = Math.floor(ms);
  const s = Math.floor(whole / 1000);
  // Outside years 0-9999 toISOString writes an extended year; leave those to it.
  if (!(whole >= 0 && whole < 253402300800000)) return new Date(ms).toISOString();
  if (s !== second) {
    second = s;
    prefix = new Date(s * 1000).toISOString().slice(0, 20);
  }
  const milli = whole - s * 1000;
  return `${prefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

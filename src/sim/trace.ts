/**
 * Public workload traces (sim/traces/*.csv: TIMESTAMP,ContextTokens,GeneratedTokens, one
 * row per request, sorted by arrival). Parsed into arrival offsets from the first request and
 * token counts, which the simulator uses as work sizes.
 */
import { readFileSync } from 'node:fs';

export interface Trace {
  readonly file: string;
  /** Arrival of each request, ms after the first one. */
  readonly offsetsMs: Float64Array;
  readonly contextTokens: Uint32Array;
  readonly generatedTokens: Uint32Array;
  /** Last offset, ms. */
  readonly spanMs: number;
}

export class TraceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TraceError';
  }
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;
// Why not the Unix epoch: ms since 1970 (1.7e12) leave a double ~0.2 us of resolution;
// since 2020 (1.2e11 ms in 2023) it has 15 ns, enough for the traces' 100 ns.
const TRACE_EPOCH_MS = Date.UTC(2020, 0, 1);

/** Milliseconds since 2020-01-01 UTC of `2023-11-16 18:17:03.9799600`, keeping its 100 ns resolution. */
export function parseTimestamp(text: string): number {
  const m = TIMESTAMP.exec(text.trim());
  if (!m) return Number.NaN;
  const [, y, mo, d, h, mi, s, frac] = m;
  const whole = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) - TRACE_EPOCH_MS;
  return whole + (frac ? Number(`0.${frac}`) * 1000 : 0);
}

export function parseTrace(text: string, file = 'trace'): Trace {
  const lines = text.split(/\r?\n/);
  const header = lines[0]?.trim().split(',').map((h) => h.trim()) ?? [];
  const at = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new TraceError(`${file}: the header has no ${name} column (it has: ${header.join(', ') || 'nothing'}); expected TIMESTAMP,ContextTokens,GeneratedTokens`);
    return i;
  };
  const [ti, ci, gi] = [at('TIMESTAMP'), at('ContextTokens'), at('GeneratedTokens')];
  const times: number[] = [];
  const context: number[] = [];
  const generated: number[] = [];
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n]!;
    if (line.trim() === '') continue;
    const cells = line.split(',');
    const t = parseTimestamp(cells[ti] ?? '');
    const c = Number(cells[ci]);
    const g = Number(cells[gi]);
    if (!Number.isFinite(t)) throw new TraceError(`${file}:${n + 1}: TIMESTAMP '${cells[ti] ?? ''}' is not 'YYYY-MM-DD hh:mm:ss.fffffff'`);
    if (!Number.isInteger(c) || c < 0) throw new TraceError(`${file}:${n + 1}: ContextTokens '${cells[ci] ?? ''}' is not a count`);
    if (!Number.isInteger(g) || g < 0) throw new TraceError(`${file}:${n + 1}: GeneratedTokens '${cells[gi] ?? ''}' is not a count`);
    times.push(t);
    context.push(c);
    generated.push(g);
  }
  if (times.length < 2) throw new TraceError(`${file}: needs at least two requests, found ${times.length}`);
  // Sorted by arrival in the published files; sort anyway (stable), a trace is a set of arrivals.
  const order = times.map((_, i) => i);
  if (times.some((t, i) => i > 0 && t < times[i - 1]!)) order.sort((a, b) => times[a]! - times[b]! || a - b);
  const t0 = times[order[0]!]!;
  const offsetsMs = Float64Array.from(order, (i) => times[i]! - t0);
  return {
    file,
    offsetsMs,
    contextTokens: Uint32Array.from(order, (i) => context[i]!),
    generatedTokens: Uint32Array.from(order, (i) => generated[i]!),
    spanMs: offsetsMs[offsetsMs.length - 1]!,
  };
}

const cache = new Map<string, Trace>();

/** Reads and parses a trace file once per process. */
export function loadTrace(file: string): Trace {
  let trace = cache.get(file);
  if (!trace) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new TraceError(`cannot read the trace ${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
    trace = parseTrace(text, file);
    cache.set(file, trace);
  }
  return trace;
}

/** Requests per second of the trace as recorded. */
export function nativeRatePerS(trace: Trace): number {
  return ((trace.offsetsMs.length - 1) / trace.spanMs) * 1000;
}

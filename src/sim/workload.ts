/**
 * Open-loop request streams for the simulator, all seeded: Poisson, a bursty two-state
 * Markov-modulated Poisson process (MMPP), a diurnal (sinusoidal-rate) process, and replayed
 * public traces, scaled to a target rate. A separate seeded mix gives each request its latency
 * class, priority, deadline and size (rows; from the trace's token counts for traces).
 *
 * Time constants of the synthetic processes default to multiples of the mean gap (1/rate), so
 * the same seed at twice the rate gives the same stream twice as fast: searches over rate
 * (goodput) compare like with like.
 */
import type { LatencyClass, Priority } from '../scheduler/types.js';
import { PRIORITIES } from '../scheduler/types.js';
import { Rng } from './rng.js';
import type { TrafficSpec } from './spec.js';
import { loadTrace, nativeRatePerS, type Trace } from './trace.js';

export type WorkloadKind = 'poisson' | 'mmpp' | 'diurnal' | 'trace';

export interface MmppOptions {
  /** Rate in the high state over the rate in the low state. @default 8 */
  readonly burstRatio?: number;
  /** Share of time spent in the high state. @default 0.2 */
  readonly highFraction?: number;
  /** Mean stay in the high state, in mean gaps (1/rate). @default 250 */
  readonly meanHighGaps?: number;
}

export interface DiurnalOptions {
  /** Peak deviation from the mean rate, as a fraction of it (0..1). @default 0.6 */
  readonly amplitude?: number;
  /** One period, ms. @default the run's expected length (requests / rate): one "day" per run */
  readonly periodMs?: number;
}

export interface WorkloadSpec {
  readonly kind: WorkloadKind;
  /** Mean arrival rate, requests per second (for traces: the recorded rate is scaled to this). */
  readonly ratePerS: number;
  /** For `trace`: CSV files, replayed one after the other, looping. */
  readonly tracePaths?: readonly string[];
  readonly mmpp?: MmppOptions;
  readonly diurnal?: DiurnalOptions;
}

/** Arrival times, ms, ascending; Infinity never comes (streams are endless, the caller stops). */
export interface ArrivalProcess {
  nextMs(): number;
  /** Context tokens of the last arrival, for traces; -1 otherwise. */
  readonly tokens: number;
}

class Poisson implements ArrivalProcess {
  readonly tokens = -1;
  private t = 0;
  constructor(
    private readonly rng: Rng,
    private readonly meanGapMs: number,
  ) {}
  nextMs(): number {
    this.t += this.rng.exponential(this.meanGapMs);
    return this.t;
  }
}

/** Two-state MMPP: exponential stays in each state, Poisson arrivals at that state's rate. */
class Mmpp implements ArrivalProcess {
  readonly tokens = -1;
  private t = 0;
  private high = false;
  private stateEndsMs: number;
  private readonly gapMs: [number, number];
  private readonly stayMs: [number, number];

  constructor(
    private readonly rng: Rng,
    ratePerMs: number,
    options: MmppOptions,
  ) {
    const k = options.burstRatio ?? 8;
    const p = options.highFraction ?? 0.2;
    if (!(k >= 1) || !(p > 0 && p < 1)) throw new RangeError('mmpp: burstRatio must be >= 1 and highFraction in (0, 1)');
    const low = ratePerMs / (p * k + (1 - p));
    this.gapMs = [1 / low, 1 / (low * k)];
    const highStay = (options.meanHighGaps ?? 250) / ratePerMs;
    this.stayMs = [(highStay * (1 - p)) / p, highStay];
    this.stateEndsMs = rng.exponential(this.stayMs[0]);
  }

  nextMs(): number {
    for (;;) {
      const s = this.high ? 1 : 0;
      const candidate = this.t + this.rng.exponential(this.gapMs[s]);
      if (candidate < this.stateEndsMs) {
        this.t = candidate;
        return candidate;
      }
      // Memoryless: restart the arrival clock at the switch.
      this.t = this.stateEndsMs;
      this.high = !this.high;
      this.stateEndsMs = this.t + this.rng.exponential(this.stayMs[this.high ? 1 : 0]);
    }
  }
}

/** Rate(t) = mean * (1 + amplitude * sin(2 pi t / period)), by thinning. */
class Diurnal implements ArrivalProcess {
  readonly tokens = -1;
  private t = 0;
  private readonly peakGapMs: number;

  constructor(
    private readonly rng: Rng,
    private readonly ratePerMs: number,
    private readonly amplitude: number,
    private readonly periodMs: number,
  ) {
    if (!(amplitude >= 0 && amplitude <= 1)) throw new RangeError('diurnal: amplitude must be in [0, 1]');
    this.peakGapMs = 1 / (ratePerMs * (1 + amplitude));
  }

  rateAt(tMs: number): number {
    return this.ratePerMs * (1 + this.amplitude * Math.sin((2 * Math.PI * tMs) / this.periodMs));
  }

  nextMs(): number {
    const peak = this.ratePerMs * (1 + this.amplitude);
    for (;;) {
      this.t += this.rng.exponential(this.peakGapMs);
      if (this.rng.next() * peak <= this.rateAt(this.t)) return this.t;
    }
  }
}

/**
 * Replays traces back to back at `scale` times their recorded rate, looping, from the request
 * at `start` (counted across the files). Why a seeded start: a run sees only a slice of an
 * hour-long trace; runs with other seeds must see other slices (other bursts), or a spread over
 * seeds would only measure the request mix.
 */
class TraceReplay implements ArrivalProcess {
  tokens = -1;
  private file = 0;
  private index = 0;
  private baseMs = 0;

  constructor(
    private readonly traces: readonly Trace[],
    private readonly scale: number,
    start: number,
  ) {
    let left = start;
    while (left >= traces[this.file]!.offsetsMs.length) left -= traces[this.file++]!.offsetsMs.length;
    this.index = left;
    this.baseMs = -traces[this.file]!.offsetsMs[left]! / scale;
  }

  nextMs(): number {
    let trace = this.traces[this.file]!;
    if (this.index >= trace.offsetsMs.length) {
      // Next file (or loop), one mean gap after the last arrival.
      this.baseMs += (trace.spanMs + trace.spanMs / (trace.offsetsMs.length - 1)) / this.scale;
      this.file = (this.file + 1) % this.traces.length;
      this.index = 0;
      trace = this.traces[this.file]!;
    }
    const at = this.baseMs + trace.offsetsMs[this.index]! / this.scale;
    this.tokens = trace.contextTokens[this.index]!;
    this.index++;
    return at;
  }
}

export function arrivalProcess(spec: WorkloadSpec, seed: number, requests: number): ArrivalProcess {
  if (!(spec.ratePerS > 0) || !Number.isFinite(spec.ratePerS)) throw new RangeError(`the rate must be a positive number of requests per second, got ${spec.ratePerS}`);
  const rng = Rng.stream(seed, 'arrivals');
  const ratePerMs = spec.ratePerS / 1000;
  switch (spec.kind) {
    case 'poisson':
      return new Poisson(rng, 1 / ratePerMs);
    case 'mmpp':
      return new Mmpp(rng, ratePerMs, spec.mmpp ?? {});
    case 'diurnal':
      return new Diurnal(rng, ratePerMs, spec.diurnal?.amplitude ?? 0.6, spec.diurnal?.periodMs ?? requests / ratePerMs);
    case 'trace': {
      const paths = spec.tracePaths ?? [];
      if (paths.length === 0) throw new RangeError('a trace workload needs at least one trace file');
      const traces = paths.map((p) => loadTrace(p));
      const recorded = traces.reduce((n, t) => n + t.offsetsMs.length, 0) / (traces.reduce((ms, t) => ms + t.spanMs, 0) / 1000);
      const total = traces.reduce((n, t) => n + t.offsetsMs.length, 0);
      return new TraceReplay(traces, spec.ratePerS / recorded, Math.floor(rng.next() * total));
    }
  }
}

/** The recorded rate of a set of traces, requests per second. */
export function tracesRatePerS(paths: readonly string[]): number {
  const traces = paths.map((p) => loadTrace(p));
  return traces.length === 1 ? nativeRatePerS(traces[0]!) : traces.reduce((n, t) => n + t.offsetsMs.length, 0) / (traces.reduce((ms, t) => ms + t.spanMs, 0) / 1000);
}

/** What the mix gives one request. */
export interface RequestTraits {
  latencyClass: LatencyClass;
  priority: Priority;
  /** Relative deadline, ms. */
  deadlineMs: number;
  rows: number;
}

/** Draws latency class, priority, deadline and rows for each request from the traffic spec. */
export class RequestMix {
  private readonly rng: Rng;
  private readonly priorityCumulative: number[];
  private readonly rowsCumulative: number[];
  readonly traits: RequestTraits = { latencyClass: 'realtime', priority: 'standard', deadlineMs: 0, rows: 1 };

  constructor(
    private readonly traffic: TrafficSpec,
    seed: number,
  ) {
    this.rng = Rng.stream(seed, 'mix');
    let sum = 0;
    this.priorityCumulative = PRIORITIES.map((p) => (sum += traffic.priorities[p]));
    sum = 0;
    this.rowsCumulative = traffic.rows.weights.map((w) => (sum += w));
  }

  /** Fills and returns `traits` (reused: copy what you keep). `tokens` >= 0 sizes the request from a trace. */
  draw(tokens: number): RequestTraits {
    const t = this.traffic;
    const rng = this.rng;
    const realtime = rng.next() < t.realtimeFraction;
    const range = realtime ? t.deadlineMs.realtime : t.deadlineMs.throughput;
    this.traits.latencyClass = realtime ? 'realtime' : 'throughput';
    this.traits.priority = PRIORITIES[rng.pickCumulative(this.priorityCumulative)]!;
    this.traits.deadlineMs = range.min + (range.max - range.min) * rng.next();
    const synthetic = t.rows.sizes[rng.pickCumulative(this.rowsCumulative)]!;
    this.traits.rows = tokens >= 0 ? Math.min(t.maxRows, Math.max(1, Math.ceil(tokens / t.tokensPerRow))) : synthetic;
    return this.traits;
  }
}

/** Parses `poisson`, `mmpp`, `diurnal` or `trace:PATH[,PATH...]` (the CLI's --workload). */
export function parseWorkload(text: string, ratePerS: number): WorkloadSpec {
  if (text.startsWith('trace:')) {
    const tracePaths = text.slice('trace:'.length).split(',').map((p) => p.trim()).filter((p) => p !== '');
    if (tracePaths.length === 0) throw new RangeError("--workload trace: needs a file, e.g. trace:sim/traces/azure-llm-2023-conv.csv");
    return { kind: 'trace', ratePerS, tracePaths };
  }
  if (text === 'poisson' || text === 'mmpp' || text === 'diurnal') return { kind: text, ratePerS };
  throw new RangeError(`--workload must be poisson, mmpp, diurnal or trace:PATH, got '${text}'`);
}

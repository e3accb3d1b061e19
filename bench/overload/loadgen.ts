/**
 * The overload benchmark's load generator, a child process apart from the server: keep-alive
 * connections of its own lean HTTP/1.1 client (raw-client.ts), latency measured from each request's scheduled send time (no coordinated
 * omission). One JSON command in argv, one JSON result line on stdout.
 *
 *   closed:     C connections back to back for D s -> served per second (the capacity)
 *   sequential: N critical requests one at a time -> their latencies (the unloaded p99)
 *   open:       Poisson arrivals at R/s for D s, a mix of priorities -> every answer's status,
 *               latency and Retry-After
 */
import { writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { percentile } from '../lib/stats.js';
import { seededRandom } from '../batching/model.js';
import { buildGet, buildRequest, RawPool } from './raw-client.js';

export type Priority = 'critical' | 'standard' | 'sheddable';

export type Command =
  | { kind: 'closed'; origin: string; path: string; body: string; connections: number; durationS: number; deadlineMs: number }
  | { kind: 'sequential'; origin: string; path: string; body: string; requests: number; deadlineMs: number }
  | { kind: 'open'; origin: string; path: string; body: string; rate: number; warmupS: number; durationS: number; deadlineMs: number; mix: Record<Priority, number>; seed: number; connections: number };

export interface OpenResult {
  readonly kind: 'open';
  readonly sent: number;
  readonly answered: number;
  readonly errors: number;
  readonly byStatus: Record<string, number>;
  /** 2xx answered within the deadline, per second. */
  readonly goodput: number;
  readonly criticalSent: number;
  readonly criticalOk: number;
  readonly criticalP99Ms: number;
  /** Where the slowest 1% of served critical requests spent their time (means, ms), from Server-Timing. */
  readonly criticalSlowest: CriticalBreakdown;
  readonly rejectP99Ms: number;
  readonly rejects: number;
  readonly rejectsWithoutRetryAfter: number;
  readonly durationS: number;
  /** How late the generator sent, p99: its own lag, which every latency includes. */
  readonly sendLagP99Ms: number;
  /** The generator's own CPU over the measured window, in cores (it shares the machine with the server). */
  readonly generatorCpu: number;
  /** Whether the generator runs at a higher scheduling priority than the server. */
  readonly niced: boolean;
}

export interface CriticalBreakdown {
  readonly count: number;
  readonly clientMs: number;
  /** Waiting in the scheduler's queue. */
  readonly queueMs: number;
  readonly computeMs: number;
  /** The rest of the server's own total: decoding, hand-offs, encoding. */
  readonly otherServerMs: number;
  /** Before the server saw the request or after it answered: sockets, a busy event loop, the generator. */
  readonly outsideMs: number;
}

function serverTimings(header: string | undefined): { queue: number; compute: number; total: number } | undefined {
  if (header === undefined) return undefined;
  const read = (name: string): number => Number(new RegExp(`${name};dur=([\\d.]+)`).exec(header)?.[1] ?? Number.NaN);
  const timings = { queue: read('queue'), compute: read('compute'), total: read('total') };
  return Number.isFinite(timings.total) ? timings : undefined;
}

/** Means over the slowest 1% (at least one) of the served critical requests. */
function slowestBreakdown(answers: readonly { ms: number; timing: string | undefined }[]): CriticalBreakdown {
  const slowest = [...answers].sort((a, b) => b.ms - a.ms).slice(0, Math.max(1, Math.ceil(answers.length / 100)));
  const sums = { client: 0, queue: 0, compute: 0, other: 0, outside: 0, timed: 0 };
  for (const answer of slowest) {
    sums.client += answer.ms;
    const t = serverTimings(answer.timing);
    if (!t) continue;
    sums.timed++;
    sums.queue += t.queue;
    sums.compute += t.compute;
    sums.other += t.total - t.queue - t.compute;
    sums.outside += answer.ms - t.total;
  }
  const mean = (x: number, n: number): number => (n === 0 ? Number.NaN : x / n);
  return { count: slowest.length, clientMs: mean(sums.client, slowest.length), queueMs: mean(sums.queue, sums.timed), computeMs: mean(sums.compute, sums.timed), otherServerMs: mean(sums.other, sums.timed), outsideMs: mean(sums.outside, sums.timed) };
}

function headers(priority: Priority, deadlineMs: number): Record<string, string> {
  return { 'x-switchyard-priority': priority, 'x-switchyard-deadline-ms': String(deadlineMs) };
}

async function closed(c: Extract<Command, { kind: 'closed' }>): Promise<object> {
  const pool = new RawPool(c.origin, c.connections);
  const body = buildRequest(c.origin, c.path, c.body, headers('standard', c.deadlineMs));
  const end = performance.now() + c.durationS * 1000;
  let ok = 0;
  let other = 0;
  await Promise.all(Array.from({ length: c.connections }, async () => {
    while (performance.now() < end) {
      const r = await pool.send(body);
      if (r.status === 200) ok++;
      else other++;
    }
  }));
  pool.close();
  return { kind: 'closed', rps: ok / c.durationS, ok, other };
}

async function sequential(c: Extract<Command, { kind: 'sequential' }>): Promise<object> {
  const pool = new RawPool(c.origin, 1);
  const body = buildRequest(c.origin, c.path, c.body, headers('critical', c.deadlineMs));
  const latencies: number[] = [];
  for (let i = 0; i < c.requests; i++) {
    const started = performance.now();
    const r = await pool.send(body);
    if (r.status !== 200) throw new Error(`unloaded request answered ${r.status}`);
    latencies.push(performance.now() - started);
  }
  pool.close();
  return { kind: 'sequential', p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
}

/** Opens the pool's connections before the clock starts: clients of a loaded service hold warm keep-alive pools. */
async function warm(pool: RawPool, c: Extract<Command, { kind: 'open' }>): Promise<void> {
  const live = buildGet(c.origin, '/v2/health/live');
  await Promise.all(Array.from({ length: c.connections }, () => pool.send(live)));
}

async function open(c: Extract<Command, { kind: 'open' }>): Promise<OpenResult> {
  const pool = new RawPool(c.origin, c.connections);
  await warm(pool, c);
  const bodies = { critical: buildRequest(c.origin, c.path, c.body, headers('critical', c.deadlineMs)), standard: buildRequest(c.origin, c.path, c.body, headers('standard', c.deadlineMs)), sheddable: buildRequest(c.origin, c.path, c.body, headers('sheddable', c.deadlineMs)) };
  const random = seededRandom(c.seed);
  const byStatus: Record<string, number> = {};
  const criticalOk: number[] = [];
  const criticalTimings: { ms: number; timing: string | undefined }[] = [];
  const rejects: number[] = [];
  let sent = 0;
  let answered = 0;
  let errors = 0;
  let good = 0;
  let criticalSent = 0;
  let noRetryAfter = 0;
  const inFlight = new Set<Promise<void>>();
  const sendLags: number[] = [];
  // SWITCHYARD_BENCH_TRACE=FILE: every answer's send time, latency, status and priority, for study.
  const trace = process.env.SWITCHYARD_BENCH_TRACE ? ([] as string[]) : undefined;
  // The same load runs warmupS first, unmeasured: the figures are the steady state of overload,
  // not the first second of it (when the refusal paths are still cold in the JIT).
  let cpuAtStart: NodeJS.CpuUsage | undefined;
  const start = performance.now() + c.warmupS * 1000;
  let next = start - c.warmupS * 1000;
  const end = start + c.durationS * 1000;
  const pick = (): Priority => {
    const u = random();
    return u < c.mix.critical ? 'critical' : u < c.mix.critical + c.mix.standard ? 'standard' : 'sheddable';
  };
  while (next < end) {
    const wait = next - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const scheduled = next;
    const measured = scheduled >= start;
    if (measured && cpuAtStart === undefined) cpuAtStart = process.cpuUsage();
    if (measured) sendLags.push(performance.now() - scheduled);
    const priority = pick();
    if (measured) sent++;
    if (measured && priority === 'critical') criticalSent++;
    const p = pool.send(bodies[priority], trace !== undefined, trace !== undefined || priority === 'critical').then(
      (r) => {
        const ms = performance.now() - scheduled;
        if (!measured) return;
        const code = r.body === undefined || r.status === 200 ? '' : ((JSON.parse(r.body.toString('utf8')) as { code?: string }).code ?? '');
        trace?.push(`${(scheduled - start).toFixed(1)} ${ms.toFixed(1)} ${r.status} ${priority} ${code} ${r.serverTiming ?? ''}`);
        answered++;
        byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
        if (r.status === 200) {
          if (ms <= c.deadlineMs) good++;
          if (priority === 'critical') {
            criticalOk.push(ms);
            criticalTimings.push({ ms, timing: r.serverTiming });
          }
        } else if (r.status === 503 || r.status === 429) {
          rejects.push(ms);
          if (!r.retryAfter) noRetryAfter++;
        }
      },
      () => {
        if (measured) errors++;
      },
    );
    const tracked = p.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    next += (-Math.log(1 - random()) / c.rate) * 1000;
  }
  await Promise.all(inFlight);
  const cpu = process.cpuUsage(cpuAtStart);
  pool.close();
  if (trace) writeFileSync(process.env.SWITCHYARD_BENCH_TRACE!, `${trace.join('\n')}\n`);
  return {
    kind: 'open',
    sent,
    answered,
    errors,
    byStatus,
    goodput: good / c.durationS,
    criticalSent,
    criticalOk: criticalOk.length,
    criticalP99Ms: percentile(criticalOk, 99),
    criticalSlowest: slowestBreakdown(criticalTimings),
    rejectP99Ms: percentile(rejects, 99),
    rejects: rejects.length,
    rejectsWithoutRetryAfter: noRetryAfter,
    durationS: c.durationS,
    sendLagP99Ms: percentile(sendLags, 99),
    generatorCpu: (cpu.user + cpu.system) / 1e6 / c.durationS,
    niced,
  };
}

// The clients of a real service run on other machines; here they share two cores with the server,
// so the generator asks the OS to run it first, keeping its own lag out of the latencies it measures.
let niced = false;
try {
  setPriority(-10);
  niced = true;
} catch {
  // Not permitted (not root): the send lag in the result shows how much that costs.
}

const command = JSON.parse(process.argv[2] ?? '{}') as Command;
const result = command.kind === 'closed' ? await closed(command) : command.kind === 'sequential' ? await sequential(command) : await open(command);
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);

/**
 * Two ways to load an HTTP endpoint: closed-loop at a fixed connection count with autocannon
 * (throughput and latency under load), and sequential requests on one keep-alive connection
 * with undici (latency when nothing queues). Any non-2xx answer or error aborts the run.
 */
import autocannon, { type Result } from 'autocannon';
import { Client, request } from 'undici';
import { percentile, Samples } from './stats.js';

export interface Target {
  /** e.g. http://127.0.0.1:1234 */
  readonly origin: string;
  readonly path: string;
  readonly body: string;
}

export interface LoadedResult {
  /** 2xx responses per second over the measured run. */
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly responses: number;
  readonly durationS: number;
  /** CPU time over wall time during the measured run: 1 = one core busy. */
  readonly loaderCpu: number;
  /** The same for the server process (all its threads), when it can be read. */
  readonly serverCpu: number | undefined;
}

const HEADERS = { 'content-type': 'application/json' };

function describeFailures(result: Result, phase: string): string | undefined {
  const problems: string[] = [];
  if (result.non2xx > 0) problems.push(`${result.non2xx} non-2xx responses (4xx ${result['4xx']}, 5xx ${result['5xx']})`);
  if (result.errors > 0) problems.push(`${result.errors} errors`);
  if (result.timeouts > 0) problems.push(`${result.timeouts} timeouts`);
  return problems.length > 0 ? `${phase}: ${problems.join(', ')}` : undefined;
}

/** Warm-up, then a measured closed-loop run; latencies are autocannon's per-response times, kept at full precision. */
export async function closedLoop(
  target: Target,
  options: { connections: number; durationS: number; warmupS: number; serverCpuSeconds?: () => number | undefined },
): Promise<LoadedResult> {
  const latencies = new Samples();
  const instance = autocannon({
    url: `${target.origin}${target.path}`,
    method: 'POST',
    headers: HEADERS,
    body: target.body,
    connections: options.connections,
    duration: options.durationS,
    warmup: { connections: options.connections, duration: options.warmupS },
  });
  // Only the measured run's tracker emits here; the warm-up has its own.
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTimeMs: number) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTimeMs);
  });
  let startedAt = 0;
  let loaderStart = process.cpuUsage();
  let serverStart: number | undefined;
  instance.once('start', () => {
    startedAt = performance.now();
    loaderStart = process.cpuUsage();
    serverStart = options.serverCpuSeconds?.();
  });
  const result = await instance;
  const wallS = (performance.now() - startedAt) / 1000;
  const loaderUsed = process.cpuUsage(loaderStart);
  const serverEnd = options.serverCpuSeconds?.();
  const failure = [result.warmup && describeFailures(result.warmup, 'warm-up'), describeFailures(result, 'measured run')].filter(Boolean);
  if (failure.length > 0) throw new Error(`${target.origin}${target.path}: ${failure.join('; ')}`);
  if (result['2xx'] === 0) throw new Error(`${target.origin}${target.path}: no responses at all`);
  const values = latencies.values();
  return {
    rps: result['2xx'] / result.duration,
    p50Ms: percentile(values, 50),
    p99Ms: percentile(values, 99),
    responses: result['2xx'],
    durationS: result.duration,
    loaderCpu: (loaderUsed.user + loaderUsed.system) / 1e6 / wallS,
    serverCpu: serverStart === undefined || serverEnd === undefined ? undefined : (serverEnd - serverStart) / wallS,
  };
}

async function timedRequest(client: Client, target: Target): Promise<number> {
  const started = process.hrtime.bigint();
  const response = await request(`${target.origin}${target.path}`, { dispatcher: client, method: 'POST', headers: HEADERS, body: target.body });
  const text = await response.body.text();
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (response.statusCode < 200 || response.statusCode >= 300) {
    throw new Error(`${target.origin}${target.path}: HTTP ${response.statusCode}: ${text.slice(0, 300)}`);
  }
  return elapsed;
}

/**
 * Sequential requests, one connection per target, interleaved (a, b, b, a, a, b, ...) so
 * both see the same machine noise. Returns each target's latencies in ms.
 */
export async function interleavedSequential(targets: readonly Target[], options: { requests: number; warmup: number }): Promise<number[][]> {
  const clients = targets.map((t) => new Client(t.origin, { pipelining: 1 }));
  try {
    for (let i = 0; i < options.warmup; i++) {
      for (const [k, target] of targets.entries()) await timedRequest(clients[k]!, target);
    }
    const samples = targets.map(() => [] as number[]);
    for (let i = 0; i < options.requests; i++) {
      const order = i % 2 === 0 ? [...targets.keys()] : [...targets.keys()].reverse();
      for (const k of order) samples[k]!.push(await timedRequest(clients[k]!, targets[k]!));
    }
    return samples;
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
}

/** One request, answering the parsed JSON body (for checking that two servers agree). */
export async function fetchJson(target: Target): Promise<unknown> {
  const client = new Client(target.origin);
  try {
    const response = await request(`${target.origin}${target.path}`, { dispatcher: client, method: 'POST', headers: HEADERS, body: target.body });
    const text = await response.body.text();
    if (response.statusCode < 200 || response.statusCode >= 300) {
      throw new Error(`${target.origin}${target.path}: HTTP ${response.statusCode}: ${text.slice(0, 300)}`);
    }
    return JSON.parse(text) as unknown;
  } finally {
    await client.close();
  }
}

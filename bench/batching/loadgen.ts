/**
 * Open-loop load generator, run as a child process (pinned apart from the server): requests
 * leave at seeded Poisson arrival times whatever the server does, over a pool of keep-alive
 * connections (undici), many in flight. Latency is measured from each request's scheduled
 * arrival, so a late send (a busy loader, all connections taken) counts against the server
 * rather than hiding queueing (no coordinated omission).
 *
 *   node --import tsx bench/batching/loadgen.ts '<LoadgenInit as JSON>'
 *     -> prints {"ready":true}, then reads one command per stdin line and answers each with one
 *        JSON line: `reference` -> ReferenceResult, `step` -> StepResult.
 *
 * It exits when its stdin closes (the parent ended or died).
 */
import { createInterface } from 'node:readline';
import { Pool, request } from 'undici';
import { percentile } from '../lib/stats.js';
import { seededRandom } from './model.js';

export interface LoadgenInit {
  readonly origin: string;
  readonly connections: number;
  readonly inputName: string;
  readonly inDim: number;
  /** Distinct request bodies, sent round-robin. */
  readonly bodies: number;
  readonly seed: number;
}

/** Sends every body once, one at a time, and keeps the outputs as the reference for `step` checks. */
export interface ReferenceCommand {
  readonly kind: 'reference';
  readonly path: string;
}

export interface ReferenceResult {
  readonly kind: 'reference';
  readonly bodies: number;
  readonly outDim: number;
  readonly p50Ms: number;
}

export interface StepCommand {
  readonly kind: 'step';
  readonly path: string;
  /** Arrivals per second (Poisson). */
  readonly rate: number;
  /** Arrivals in the warm-up are sent and checked but left out of the statistics. */
  readonly warmupS: number;
  readonly durationS: number;
  /** After the last arrival, how long to wait for answers before counting the rest as failed. */
  readonly drainTimeoutS: number;
  /** Compare every n-th answer with the reference; 0 = none. */
  readonly checkEvery: number;
  readonly seed: number;
}

export interface Summary {
  readonly mean: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export interface StepResult {
  readonly kind: 'step';
  readonly rate: number;
  /** Requests sent in the whole step (warm-up included). */
  readonly sent: number;
  /** Arrivals per second actually scheduled in the measured window (Poisson noise around `rate`). */
  readonly arrivalsPerS: number;
  /** 2xx answers completed per second during the measured window. */
  readonly achievedPerS: number;
  /** Latency of the measured window's arrivals, from scheduled arrival to the end of the body, ms. */
  readonly latencyMs: Summary;
  readonly measured: number;
  /** Non-2xx answers, transport errors and answers missing at the drain timeout, whole step. */
  readonly errors: number;
  readonly errorSamples: readonly string[];
  /** Per batch (a batch of n rows counted once), from x-switchyard-batch-size. */
  readonly meanBatch: number;
  /** Per request: the batch size the average request rode in. */
  readonly requestMeanBatch: number;
  readonly maxBatch: number;
  /** Server-Timing queue and compute of the measured window's answers, ms. */
  readonly queueMs: Summary;
  readonly computeMs: Summary;
  /** How late requests left after their scheduled time, ms. */
  readonly sendLagMs: Summary;
  readonly checked: number;
  readonly mismatches: number;
  /** CPU time / wall time of this process over the step. */
  readonly loaderCpu: number;
  readonly wallS: number;
}

type Command = ReferenceCommand | StepCommand;

const HEADERS = { 'content-type': 'application/json' };
const SERVER_TIMING = /(queue|compute);dur=([\d.]+)/g;

function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return { mean: Number.NaN, p50: Number.NaN, p99: Number.NaN, max: Number.NaN };
  let sum = 0;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    sum += v;
    if (v > max) max = v;
  }
  return { mean: sum / values.length, p50: percentile(values, 50), p99: percentile(values, 99), max };
}

function makeBodies(init: LoadgenInit): string[] {
  const random = seededRandom(init.seed);
  return Array.from({ length: init.bodies }, () => {
    // Four decimals: realistic features, and a body of ~7 bytes per value.
    const data = Array.from({ length: init.inDim }, () => Math.round((random() * 2 - 1) * 1e4) / 1e4);
    return JSON.stringify({ inputs: [{ name: init.inputName, datatype: 'FP32', shape: [1, init.inDim], data }] });
  });
}

function firstOutput(text: string): number[] {
  const parsed = JSON.parse(text) as { outputs?: { data?: number[] }[] };
  const data = parsed.outputs?.[0]?.data;
  if (!Array.isArray(data)) throw new Error(`answer has no output data: ${text.slice(0, 200)}`);
  return data;
}

function sameOutput(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  // Batched GEMMs may sum in another order than batch 1: allow float rounding, nothing more.
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i]! - b[i]!) > 1e-3 * Math.max(1, Math.abs(b[i]!))) return false;
  return true;
}

class Loadgen {
  private readonly pool: Pool;
  private readonly bodies: string[];
  private reference: number[][] | undefined;

  constructor(private readonly init: LoadgenInit) {
    this.pool = new Pool(init.origin, { connections: init.connections, pipelining: 1 });
    this.bodies = makeBodies(init);
  }

  async referenceRun(command: ReferenceCommand): Promise<ReferenceResult> {
    const outputs: number[][] = [];
    const times: number[] = [];
    for (const body of this.bodies) {
      const started = performance.now();
      const response = await request(`${this.init.origin}${command.path}`, { dispatcher: this.pool, method: 'POST', headers: HEADERS, body });
      const text = await response.body.text();
      times.push(performance.now() - started);
      if (response.statusCode !== 200) throw new Error(`reference request to ${command.path}: HTTP ${response.statusCode}: ${text.slice(0, 300)}`);
      outputs.push(firstOutput(text));
    }
    this.reference = outputs;
    return { kind: 'reference', bodies: outputs.length, outDim: outputs[0]?.length ?? 0, p50Ms: percentile(times, 50) };
  }

  async step(command: StepCommand): Promise<StepResult> {
    const random = seededRandom(command.seed);
    const url = `${this.init.origin}${command.path}`;
    const cpuStart = process.cpuUsage();
    const wallStart = performance.now();
    const startAt = wallStart + 10;
    const measureFrom = startAt + command.warmupS * 1000;
    const sendUntil = measureFrom + command.durationS * 1000;

    const scheduled: number[] = [];
    const latency: number[] = [];
    const doneAt: number[] = [];
    const batch: number[] = [];
    const queue: number[] = [];
    const compute: number[] = [];
    const lag: number[] = [];
    const errorSamples: string[] = [];
    let errors = 0;
    let checked = 0;
    let mismatches = 0;
    let outstanding = 0;
    let allDone: (() => void) | undefined;

    const fail = (message: string): void => {
      errors++;
      if (errorSamples.length < 5) errorSamples.push(message);
    };
    const fire = (index: number, at: number): void => {
      const bodyIndex = index % this.bodies.length;
      const check = command.checkEvery > 0 && this.reference !== undefined && index % command.checkEvery === 0;
      lag[index] = performance.now() - at;
      outstanding++;
      void (async () => {
        try {
          const response = await request(url, { dispatcher: this.pool, method: 'POST', headers: HEADERS, body: this.bodies[bodyIndex]! });
          let text: string | undefined;
          if (check || response.statusCode !== 200) text = await response.body.text();
          else await response.body.dump({ limit: 1 << 24 });
          const end = performance.now();
          if (response.statusCode !== 200) {
            fail(`HTTP ${response.statusCode}: ${(text ?? '').slice(0, 200)}`);
            return;
          }
          latency[index] = end - at;
          doneAt[index] = end;
          batch[index] = Number(response.headers['x-switchyard-batch-size'] ?? Number.NaN);
          const timing = String(response.headers['server-timing'] ?? '');
          for (const match of timing.matchAll(SERVER_TIMING)) {
            if (match[1] === 'queue') queue[index] = Number(match[2]);
            else compute[index] = Number(match[2]);
          }
          if (check && text !== undefined) {
            checked++;
            if (!sameOutput(firstOutput(text), this.reference![bodyIndex]!)) mismatches++;
          }
        } catch (error) {
          fail(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
        } finally {
          outstanding--;
          if (outstanding === 0) allDone?.();
        }
      })();
    };

    let next = startAt;
    let sent = 0;
    const gapMs = (): number => (-Math.log(1 - random()) * 1000) / command.rate;
    for (;;) {
      const now = performance.now();
      while (next <= now && next < sendUntil) {
        scheduled[sent] = next;
        fire(sent, next);
        sent++;
        next += gapMs();
      }
      if (next >= sendUntil) break;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
    }
    if (outstanding > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        allDone = resolve;
        timer = setTimeout(resolve, command.drainTimeoutS * 1000);
      });
      clearTimeout(timer);
      if (outstanding > 0) {
        errors += outstanding;
        errorSamples.push(`${outstanding} requests still unanswered ${command.drainTimeoutS} s after the last arrival`);
      }
    }
    const wallS = (performance.now() - wallStart) / 1000;
    const cpu = process.cpuUsage(cpuStart);

    const measuredLatency: number[] = [];
    const measuredBatch: number[] = [];
    const measuredQueue: number[] = [];
    const measuredCompute: number[] = [];
    let arrivals = 0;
    let completedInWindow = 0;
    for (let i = 0; i < sent; i++) {
      const end = doneAt[i];
      if (end !== undefined && end >= measureFrom && end < sendUntil) completedInWindow++;
      if (scheduled[i]! < measureFrom) continue;
      arrivals++;
      const ms = latency[i];
      if (ms === undefined) continue;
      measuredLatency.push(ms);
      if (Number.isFinite(batch[i])) measuredBatch.push(batch[i]!);
      if (queue[i] !== undefined) measuredQueue.push(queue[i]!);
      if (compute[i] !== undefined) measuredCompute.push(compute[i]!);
    }
    // A batch of n rows answers n requests: counting each request as 1/n batch gives the per-batch mean.
    let batches = 0;
    for (const b of measuredBatch) batches += 1 / b;
    const windowS = command.durationS;
    return {
      kind: 'step',
      rate: command.rate,
      sent,
      arrivalsPerS: arrivals / windowS,
      achievedPerS: completedInWindow / windowS,
      latencyMs: summarize(measuredLatency),
      measured: measuredLatency.length,
      errors,
      errorSamples,
      meanBatch: measuredBatch.length / batches,
      requestMeanBatch: summarize(measuredBatch).mean,
      maxBatch: measuredBatch.length > 0 ? Math.max(...measuredBatch) : Number.NaN,
      queueMs: summarize(measuredQueue),
      computeMs: summarize(measuredCompute),
      sendLagMs: summarize(lag),
      checked,
      mismatches,
      loaderCpu: (cpu.user + cpu.system) / 1e6 / wallS,
      wallS,
    };
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

async function main(): Promise<void> {
  const init = JSON.parse(process.argv[2] ?? '') as LoadgenInit;
  const loadgen = new Loadgen(init);
  const lines = createInterface({ input: process.stdin });
  lines.on('close', () => {
    void loadgen.close().finally(() => process.exit(0));
  });
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
  // Commands run one at a time, in order.
  let chain = Promise.resolve();
  lines.on('line', (line) => {
    chain = chain.then(async () => {
      const command = JSON.parse(line) as Command;
      try {
        const result = command.kind === 'reference' ? await loadgen.referenceRun(command) : await loadgen.step(command);
        process.stdout.write(`${JSON.stringify(result)}\n`);
      } catch (error) {
        process.stdout.write(`${JSON.stringify({ kind: 'error', message: error instanceof Error ? error.message : String(error) })}\n`);
      }
    });
  });
}

await main();

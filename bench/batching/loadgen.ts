/**
 * Open-loop load generator, run as a child process (pinned apart from the server): requests
 * leave at seeded Poisson arrival times whatever the server does, over a pool of keep-alive
 * connections (undici), many in flight. Latency is measured from each request's scheduled
 * arrival, so a late send (a busy loader, all connections taken) counts against the server
 * rather than hiding queueing (no coordinated omission). Bodies are built once per distinct row,
 * in the encoding asked for (bench/batching/encoding.ts: binary tensor data or JSON), so sending
 * costs the generator next to nothing.
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
import { encodeRow, firstOutput, sameOutput, type EncodedRequest, type Encoding } from './encoding.js';
import { seededRandom } from './model.js';

export interface LoadgenInit {
  readonly origin: string;
  readonly connections: number;
  readonly inputName: string;
  readonly inDim: number;
  /** Distinct request bodies, sent round-robin. */
  readonly bodies: number;
  readonly seed: number;
  /** Inputs and outputs as binary tensor data, or as JSON numbers. */
  readonly encoding: Encoding;
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
  /** Mean request body size (bytes). */
  readonly requestBytes: number;
  /** Mean answer body size (bytes). */
  readonly responseBytes: number;
  /** The answers' content-type. */
  readonly responseType: string;
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

/** The same rows whatever the encoding: seeded, four decimals (realistic features; ~7 bytes per value in JSON). */
function makeBodies(init: LoadgenInit): EncodedRequest[] {
  const random = seededRandom(init.seed);
  return Array.from({ length: init.bodies }, () => {
    const row = Array.from({ length: init.inDim }, () => Math.round((random() * 2 - 1) * 1e4) / 1e4);
    return encodeRow(init.encoding, init.inputName, row);
  });
}

async function readBody(body: { arrayBuffer(): Promise<ArrayBuffer> }): Promise<Buffer> {
  return Buffer.from(await body.arrayBuffer());
}

class Loadgen {
  private readonly pool: Pool;
  private readonly bodies: EncodedRequest[];
  private reference: Float32Array[] | undefined;

  constructor(private readonly init: LoadgenInit) {
    this.pool = new Pool(init.origin, { connections: init.connections, pipelining: 1 });
    this.bodies = makeBodies(init);
  }

  async referenceRun(command: ReferenceCommand): Promise<ReferenceResult> {
    const outputs: Float32Array[] = [];
    const times: number[] = [];
    let requestBytes = 0;
    let responseBytes = 0;
    let responseType = '';
    for (const { body, headers } of this.bodies) {
      const started = performance.now();
      const response = await request(`${this.init.origin}${command.path}`, { dispatcher: this.pool, method: 'POST', headers, body });
      const answer = await readBody(response.body);
      times.push(performance.now() - started);
      if (response.statusCode !== 200) throw new Error(`reference request to ${command.path}: HTTP ${response.statusCode}: ${answer.toString('utf8', 0, 300)}`);
      outputs.push(firstOutput(this.init.encoding, answer, response.headers));
      requestBytes += body.length;
      responseBytes += answer.length;
      responseType = String(response.headers['content-type'] ?? '');
    }
    this.reference = outputs;
    const n = outputs.length;
    return { kind: 'reference', bodies: n, outDim: outputs[0]?.length ?? 0, p50Ms: percentile(times, 50), requestBytes: requestBytes / n, responseBytes: responseBytes / n, responseType };
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
          const { body, headers } = this.bodies[bodyIndex]!;
          const response = await request(url, { dispatcher: this.pool, method: 'POST', headers, body });
          let answer: Buffer | undefined;
          if (check || response.statusCode !== 200) answer = await readBody(response.body);
          else await response.body.dump({ limit: 1 << 24 });
          const end = performance.now();
          if (response.statusCode !== 200) {
            fail(`HTTP ${response.statusCode}: ${answer?.toString('utf8', 0, 200) ?? ''}`);
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
          if (check && answer !== undefined) {
            checked++;
            let output: Float32Array | undefined;
            try {
              output = firstOutput(this.init.encoding, answer, response.headers);
            } catch (error) {
              // An answer that does not decode is a wrong output, and its reason worth a sample.
              if (errorSamples.length < 5) errorSamples.push(`undecodable answer: ${error instanceof Error ? error.message : String(error)}`);
            }
            if (output === undefined || !sameOutput(output, this.reference![bodyIndex]!)) mismatches++;
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

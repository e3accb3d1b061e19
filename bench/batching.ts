/**
 * Batching: how close the whole server gets to the raw ONNX Runtime throughput of a model whose
 * compute dominates, when single-row requests arrive open-loop and the dynamic batcher has to
 * form the batches, and what batching is worth against the same server with batching off.
 *
 *   npm run bench -- batching [--quick] [--model cnn|mlp] [--step S] [--warmup S] [--slo-ms MS] [--max-batch N]
 *                             [--threads N] [--widths 1024,4096,4096,1024 (mlp)] [--policy adaptive|fixed]
 *                             [--max-delay-ms MS] [--connections N] [--seed N] [--placement two-cores|one-core|none] [--no-pin] [--profile DIR]
 *                             [--binary | --json]
 *
 * 1. Builds a seeded model into a temporary model repository, twice: `mlp` (max_batch_size N,
 *    latency_class throughput) and `mlp-unbatched` (max_batch_size 1). The model is a small
 *    convolutional image classifier (--model cnn, the default: bench/batching/cnn.ts; a few ms of
 *    compute per image, like the vision models the issue names) or a wide dense MLP (--model mlp:
 *    bench/batching/model.ts; memory-bound at batch 1, so batching gains most, but under a
 *    millisecond per item at its best batch, where HTTP costs weigh most).
 * 2. The limit: a child process runs the model with onnxruntime-node in a tight loop at batch
 *    sizes 1, 2, 4, ..., N with the server's session options (bench/batching/limit.ts).
 * 3. The full server (bench/servers/full.ts over that repository) and an open-loop load
 *    generator (bench/batching/loadgen.ts) as child processes; for each model, a search for
 *    the highest Poisson arrival rate whose p99 meets the SLO with no failed request. Requests
 *    and answers use the binary tensor data extension (--binary, the default) or JSON (--json).
 * The last stdout line is one JSON object (see bench/README.md).
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { allowedCpus, cpuBusySeconds, pinSelf, scratchDir, startChild, startServer, threadCpuSeconds, type LineChild, type ServerChild } from './lib/children.js';
import { round } from './lib/stats.js';
import type { LimitPoint, LimitRequest, LimitResult } from './batching/limit.js';
import type { Encoding } from './batching/encoding.js';
import type { LoadgenInit, ReferenceResult, StepCommand, StepResult } from './batching/loadgen.js';
import { buildMlp, INPUT_NAME, macsPerItem, mlpRowModel, writeModelVersion, type RowModel, type VersionSettings } from './batching/model.js';
import { buildCnn, cnnInDim, cnnMacsPerItem, DEFAULT_CNN } from './batching/cnn.js';
import { searchRate, type Tried } from './batching/search.js';

const BATCHED = 'mlp';
const UNBATCHED = 'mlp-unbatched';

type ModelKind = 'cnn' | 'mlp';
/**
 * one-core: the limit loop, then the whole server, on one CPU; the load generator on another.
 * two-cores: the limit loop on one CPU; the server on that CPU and the load generator's, so its
 * event loop need not take turns with the model's single ONNX thread (a server is rarely given
 * exactly one core). none: nothing pinned.
 */
type Placement = 'one-core' | 'two-cores' | 'none';

interface Settings {
  quick: boolean;
  model: ModelKind;
  widths: number[];
  maxBatch: number;
  threads: number;
  sloMs: number | undefined;
  stepS: number;
  warmupS: number;
  /** Measured seconds are stretched (up to 3x) so that a step has at least this many samples for its p99. */
  minSamples: number;
  limitSeconds: number;
  limitPasses: number;
  precision: number;
  maxSteps: number;
  policy: 'adaptive' | 'fixed';
  maxDelayMs: number;
  connections: number;
  seed: number;
  placement: Placement;
  profileDir: string | undefined;
  encoding: Encoding;
}

function parseSettings(args: readonly string[]): Settings {
  const { values } = parseArgs({
    args: [...args],
    options: {
      quick: { type: 'boolean', default: false },
      step: { type: 'string' },
      warmup: { type: 'string' },
      'slo-ms': { type: 'string' },
      'max-batch': { type: 'string' },
      threads: { type: 'string' },
      model: { type: 'string' },
      widths: { type: 'string' },
      policy: { type: 'string' },
      'max-delay-ms': { type: 'string' },
      connections: { type: 'string' },
      seed: { type: 'string' },
      'no-pin': { type: 'boolean', default: false },
      placement: { type: 'string' },
      profile: { type: 'string' },
      binary: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const number = (flag: string, raw: string | undefined, fallback: number, integer: boolean, min: number): number => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min) throw new Error(`--${flag} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got '${raw}'`);
    return n;
  };
  const quick = values.quick === true;
  const widths = (values.widths ?? '1024,4096,4096,1024').split(',').map((w) => Number(w));
  if (widths.length < 2 || widths.some((w) => !Number.isInteger(w) || w < 1)) throw new Error(`--widths must be at least two positive integers, got '${values.widths ?? ''}'`);
  // The server runs two busy threads (event loop, ONNX worker) and is deployed on the whole
  // machine; on these 2-vCPU machines the vCPUs are hyperthreads of one core, so the server, the
  // limit loop and the load generator share one physical core either way.
  const placement = values['no-pin'] === true ? 'none' : (values.placement ?? 'two-cores');
  if (placement !== 'one-core' && placement !== 'two-cores' && placement !== 'none') throw new Error(`--placement must be one-core, two-cores or none, got '${placement}'`);
  const model = values.model ?? 'cnn';
  if (model !== 'cnn' && model !== 'mlp') throw new Error(`--model must be cnn or mlp, got '${model}'`);
  if (values.widths !== undefined && model !== 'mlp') throw new Error('--widths applies to --model mlp only');
  const policy = values.policy ?? 'adaptive';
  if (policy !== 'adaptive' && policy !== 'fixed') throw new Error(`--policy must be adaptive or fixed, got '${policy}'`);
  // A convolution is compute-bound from batch 1 (batches past ~16 only add latency); the MLP is memory-bound until ~128.
  const maxBatch = number('max-batch', values['max-batch'], model === 'cnn' ? 16 : 128, true, 2);
  if (values.binary === true && values.json === true) throw new Error('--binary and --json exclude each other');
  return {
    quick,
    model,
    widths,
    maxBatch,
    threads: number('threads', values.threads, 1, true, 1),
    sloMs: values['slo-ms'] === undefined ? undefined : number('slo-ms', values['slo-ms'], 0, false, 1),
    stepS: number('step', values.step, quick ? 2 : 5, false, 0.5),
    warmupS: number('warmup', values.warmup, quick ? 0.5 : 1, false, 0),
    minSamples: quick ? 100 : 400,
    limitSeconds: quick ? 0.4 : 1,
    limitPasses: quick ? 1 : 2,
    precision: quick ? 0.2 : 0.05,
    maxSteps: quick ? 6 : 10,
    policy,
    maxDelayMs: number('max-delay-ms', values['max-delay-ms'], 5, false, 0),
    connections: number('connections', values.connections, 512, true, 1),
    seed: number('seed', values.seed, 1, true, 0),
    placement,
    profileDir: values.profile === undefined ? undefined : resolve(values.profile),
    encoding: values.json === true ? 'json' : 'binary',
  };
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

const fmt = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : '-');

function powersOfTwoUpTo(max: number): number[] {
  const sizes: number[] = [];
  for (let b = 1; b < max; b *= 2) sizes.push(b);
  sizes.push(max);
  return sizes;
}

/** CPU seconds over one step: the server's threads, and everything on the server's CPU. */
interface ServerCpu {
  wallS: number;
  /** All the server's threads. */
  totalS: number;
  /** The main thread: the event loop (HTTP, JSON, validation, scheduling, merging and cutting batches). */
  mainS: number;
  /** The busiest other thread: the model's ONNX worker. */
  workerS: number;
  /** Busy seconds of the server's CPU not charged to the server (other processes, interrupts, steal); undefined unpinned. */
  othersS: number | undefined;
}

interface CpuSnapshot {
  threads: Map<number, number> | undefined;
  cpuBusy: number | undefined;
  at: number;
}

function snapshot(pid: number | undefined, cpu: number | undefined): CpuSnapshot {
  return { threads: pid === undefined ? undefined : threadCpuSeconds(pid), cpuBusy: cpu === undefined ? undefined : cpuBusySeconds(cpu), at: performance.now() };
}

function cpuDelta(pid: number | undefined, before: CpuSnapshot, after: CpuSnapshot): ServerCpu | undefined {
  if (pid === undefined || !before.threads || !after.threads) return undefined;
  let totalS = 0;
  let mainS = 0;
  let workerS = 0;
  for (const [tid, seconds] of after.threads) {
    const used = seconds - (before.threads.get(tid) ?? 0);
    totalS += used;
    if (tid === pid) mainS = used;
    else workerS = Math.max(workerS, used);
  }
  const othersS = before.cpuBusy === undefined || after.cpuBusy === undefined ? undefined : Math.max(0, after.cpuBusy - before.cpuBusy - totalS);
  return { wallS: (after.at - before.at) / 1000, totalS, mainS, workerS, othersS };
}

/** The limit's milliseconds per item at any batch size: batch time interpolated linearly between measured sizes. */
function limitMsPerItem(points: readonly LimitPoint[], batch: number): number {
  const sorted = [...points].sort((a, b) => a.batch - b.batch);
  const upper = sorted.find((p) => p.batch >= batch) ?? sorted.at(-1)!;
  const lower = [...sorted].reverse().find((p) => p.batch <= batch) ?? sorted[0]!;
  const ms = upper.batch === lower.batch ? lower.msPerBatch : lower.msPerBatch + ((upper.msPerBatch - lower.msPerBatch) * (batch - lower.batch)) / (upper.batch - lower.batch);
  return ms / batch;
}

interface StepRow {
  model: string;
  step: StepResult;
  cpu: ServerCpu | undefined;
  passed: boolean;
  why: string;
}

function verdict(step: StepResult, sloMs: number): { passed: boolean; why: string } {
  const reasons: string[] = [];
  if (step.errors > 0) reasons.push(`${step.errors} failed`);
  if (step.mismatches > 0) reasons.push(`${step.mismatches}/${step.checked} wrong outputs`);
  if (!(step.latencyMs.p99 <= sloMs)) reasons.push(`p99 > ${fmt(sloMs, 0)} ms`);
  return reasons.length === 0 ? { passed: true, why: 'ok' } : { passed: false, why: reasons.join(', ') };
}

async function expectLine<T extends { kind: string }>(child: LineChild, kind: T['kind'], timeoutMs: number): Promise<T> {
  const line = await child.nextLine(timeoutMs);
  const parsed = JSON.parse(line) as T | { kind: 'error'; message: string };
  if (parsed.kind === 'error') throw new Error(`load generator: ${(parsed as { message: string }).message}`);
  if (parsed.kind !== kind) throw new Error(`load generator answered ${line.slice(0, 200)} instead of a ${kind} result`);
  return parsed as T;
}

function table(header: string[], rows: string[][], leftColumns: number): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((row) => (row[c] ?? '').length)));
  const lines: string[] = [];
  for (const [i, row] of all.entries()) {
    lines.push(row.map((cell, c) => (c < leftColumns || c === row.length - 1 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd());
    if (i === 0) lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  return lines;
}

function stepRows(rows: readonly StepRow[]): string[][] {
  return rows.map((r) => {
    const s = r.step;
    const c = r.cpu;
    return [
      fmt(s.rate, 0),
      fmt(s.arrivalsPerS, 0),
      fmt(s.achievedPerS, 0),
      fmt(s.latencyMs.p50, 1),
      fmt(s.latencyMs.p99, 1),
      String(s.errors),
      `${fmt(s.meanBatch, 1)}/${fmt(s.requestMeanBatch, 1)}/${fmt(s.maxBatch, 0)}`,
      fmt(s.queueMs.p50, 1),
      fmt(s.computeMs.p50, 1),
      c === undefined ? '?' : `${fmt((c.totalS / c.wallS) * 100, 0)}%`,
      c === undefined ? '?' : fmt((c.mainS / s.sent) * 1000, 3),
      c === undefined ? '?' : fmt((c.workerS / s.sent) * 1000, 3),
      c?.othersS === undefined ? '?' : `${fmt((c.othersS / c.wallS) * 100, 0)}%`,
      `${fmt(s.loaderCpu * 100, 0)}%`,
      r.why,
    ];
  });
}

interface Gap {
  lines: string[];
  serverCpu: number;
  loopMsPerRequest: number;
  onnxMsPerItem: number;
  workerShare: number;
  efficiency: number;
  boundRatio: number;
  othersCpu: number | undefined;
}

/**
 * Where the served throughput goes, from the server's CPU accounting over the best batched step.
 * served = worker share of a core / worker CPU per item, and limit = 1 / (limit ms per item at
 * the best batch), so ratio = worker share x (limit ms per item / worker ms per item).
 */
function gapAnalysis(row: StepRow, best: LimitPoint, points: readonly LimitPoint[], serverCpu: number | undefined): Gap | undefined {
  const c = row.cpu;
  if (c === undefined || row.step.sent === 0) return undefined;
  const s = row.step;
  const loopMs = (c.mainS / s.sent) * 1000;
  const onnxMs = (c.workerS / s.sent) * 1000;
  const bestMs = best.msPerBatch / best.batch;
  const atBatchMs = limitMsPerItem(points, s.meanBatch);
  const workerShare = c.workerS / c.wallS;
  const efficiency = bestMs / onnxMs;
  const bound = 1000 / (loopMs + bestMs);
  const others = c.othersS === undefined ? undefined : c.othersS / c.wallS;
  const pct = (x: number): string => `${fmt(x * 100, 0)}%`;
  const lines = [
    `where the time goes, at the best batched step (${fmt(s.rate, 0)}/s; CPU over the whole step, ${s.sent} requests):`,
    `  server ${pct(c.totalS / c.wallS)} of a core: event loop ${pct(c.mainS / c.wallS)} (${fmt(loopMs, 3)} ms per request), ONNX worker ${pct(workerShare)} (${fmt(onnxMs, 3)} ms per item), other threads ${pct((c.totalS - c.mainS - c.workerS) / c.wallS)}` +
      (others === undefined ? '' : `; not the server, on CPU ${serverCpu ?? '?'}: ${pct(others)}`),
    `  ratio ~ worker share x (limit ms/item at batch ${best.batch} / worker ms/item) = ${fmt(workerShare, 2)} x (${fmt(bestMs, 3)} / ${fmt(onnxMs, 3)}) = ${fmt(workerShare * efficiency, 3)}`,
    `  the worker's ${fmt(onnxMs, 3)} ms/item vs the limit's ${fmt(atBatchMs, 3)} ms/item at this step's mean batch ${fmt(s.meanBatch, 1)} (and ${fmt(bestMs, 3)} at batch ${best.batch})`,
    `  a core that also does ${fmt(loopMs, 3)} ms of event-loop work per request serves at most 1 / (${fmt(loopMs, 3)} + ${fmt(bestMs, 3)}) ms = ${fmt(bound, 0)} items/s, ${fmt((bound * bestMs) / 1000, 3)} of the limit, even at batch ${best.batch}`,
  ];
  return { lines, serverCpu: c.totalS / c.wallS, loopMsPerRequest: loopMs, onnxMsPerItem: onnxMs, workerShare, efficiency, boundRatio: (bound * bestMs) / 1000, othersCpu: others };
}

interface BuiltModel {
  /** Short name for logs and the JSON summary, e.g. `cnn-64x64-48-384` or `mlp-1024-4096-4096-1024`. */
  readonly name: string;
  readonly title: string;
  readonly bytes: Uint8Array;
  readonly row: RowModel;
  readonly macs: number;
}

function buildModel(settings: Settings): BuiltModel {
  if (settings.model === 'mlp') {
    const spec = { widths: settings.widths, seed: settings.seed };
    return { name: `mlp-${spec.widths.join('-')}`, title: `MLP ${spec.widths.join('-')} (Gemm+Relu, FP32, dynamic batch)`, bytes: buildMlp(spec), row: mlpRowModel(spec), macs: macsPerItem(spec) };
  }
  const spec = { ...DEFAULT_CNN, seed: settings.seed };
  const channels = spec.stages.map((s) => s.channels).join('-');
  const shape = `${spec.inputChannels}x${spec.size}x${spec.size}`;
  const title = `CNN image classifier ${shape} -> ${spec.classes} (3x3 Conv+Relu stages ${channels}, global average pool, Gemm head; FP32, dynamic batch)`;
  return {
    name: `cnn-${shape}-${channels}`,
    title,
    bytes: buildCnn(spec),
    row: { description: `Benchmark ${title}, seed ${spec.seed}.`, inDim: cnnInDim(spec), outDim: spec.classes },
    macs: cnnMacsPerItem(spec),
  };
}

const ENCODING_TITLE: Record<Encoding, string> = { binary: 'binary tensor data', json: 'JSON tensor data' };

function encodingLine(encoding: Encoding, reference: ReferenceResult, inDim: number): string {
  const sizes = `${fmt(reference.requestBytes, 0)} bytes per request, ${fmt(reference.responseBytes, 0)} bytes per answer (${reference.responseType || '?'})`;
  return encoding === 'binary'
    ? `encoding: binary (--binary, the default): the binary tensor data extension; JSON header + ${inDim * 4} bytes of little-endian FP32 in, binary_data_output: true; ${sizes}`
    : `encoding: json (--json): inputs and outputs as JSON numbers; ${sizes}`;
}

const STEP_HEADER = ['rate/s', 'arrived/s', 'done/s', 'p50 ms', 'p99 ms', 'errors', 'batch mean/req/max', 'queue p50', 'compute p50', 'srv cpu', 'loop ms/req', 'onnx ms/item', 'others', 'gen cpu', 'verdict'];

export async function main(args: readonly string[]): Promise<number> {
  const settings = parseSettings(args);
  const started = performance.now();

  let serverCpu: number | undefined;
  let loaderCpu: number | undefined;
  let serverCpus: number | readonly number[] | undefined;
  let placement = 'placement: not pinned (--placement none); the server, the limit loop and the load generator share all CPUs';
  if (settings.placement !== 'none') {
    const cpus = allowedCpus();
    if (cpus === undefined) placement = 'placement: not pinned (taskset unavailable); expect more noise';
    else if (cpus.length < 2) placement = `placement: not pinned (only CPU ${cpus.join(',')} allowed); expect more noise`;
    else {
      loaderCpu = cpus[0]!;
      serverCpu = cpus[1]!;
      pinSelf(loaderCpu);
      if (settings.placement === 'one-core') {
        serverCpus = serverCpu;
        placement = `placement: one-core: the limit loop, then the server (all its threads: event loop and ONNX worker) on CPU ${serverCpu}; load generator on CPU ${loaderCpu} (taskset)`;
      } else {
        serverCpus = [loaderCpu, serverCpu];
        placement = `placement: two-cores: the limit loop on CPU ${serverCpu}; the server (event loop and ONNX worker) on CPUs ${loaderCpu},${serverCpu}, the load generator on CPU ${loaderCpu} (taskset)`;
      }
    }
  }

  // 1. The model and its repository.
  let t = performance.now();
  const built = buildModel(settings);
  const { bytes, row, macs, title } = built;
  const inDim = row.inDim;
  const scratch = scratchDir('switchyard-batching-');
  const repository = join(scratch, 'models');
  const version = (maxBatchSize: number): VersionSettings => ({
    maxBatchSize,
    latencyClass: 'throughput',
    policy: settings.policy,
    maxQueueDelayMs: { realtime: 0, throughput: settings.maxDelayMs },
    intraOpThreads: settings.threads,
  });
  const artifact = writeModelVersion(repository, BATCHED, row, bytes, version(settings.maxBatch));
  writeModelVersion(repository, UNBATCHED, row, bytes, version(1), artifact);
  log(`batching: built ${built.name} (${fmt(macs / 1e6, 1)} M multiply-adds per item, ${fmt(bytes.byteLength / 2 ** 20, 1)} MiB) in ${fmt(performance.now() - t, 0)} ms`);

  const children: { stop(): Promise<void> }[] = [];
  try {
    // 2. The limit, on the CPU the server will get.
    const batchSizes = powersOfTwoUpTo(settings.maxBatch);
    log(`batching: limit: onnxruntime-node tight loop, batch ${batchSizes.join(', ')}, ${settings.limitPasses} round(s) of ${settings.limitSeconds} s each`);
    t = performance.now();
    const measureLimit = async (sizes: readonly number[], seconds: number, passes: number): Promise<{ result: LimitResult; others: number | undefined }> => {
      const request: LimitRequest = { modelPath: artifact, inputName: INPUT_NAME, inDim, batchSizes: sizes, intraOpThreads: settings.threads, seconds, passes };
      const child = startChild('limit', 'bench/batching/limit.ts', [JSON.stringify(request)], { cpu: serverCpu });
      children.push(child);
      const busyBefore = serverCpu === undefined ? undefined : cpuBusySeconds(serverCpu);
      const childBefore = child.cpuSeconds() ?? 0;
      const wallBefore = performance.now();
      const result = JSON.parse(await child.nextLine(600_000)) as LimitResult;
      const childUsed = (child.cpuSeconds() ?? Number.NaN) - childBefore;
      const busyAfter = serverCpu === undefined ? undefined : cpuBusySeconds(serverCpu);
      const wallS = (performance.now() - wallBefore) / 1000;
      await child.stop();
      children.splice(children.indexOf(child), 1);
      const others = busyBefore === undefined || busyAfter === undefined ? undefined : Math.max(0, busyAfter - busyBefore - childUsed) / wallS;
      return { result, others };
    };
    const { result: limit, others: limitOthers } = await measureLimit(batchSizes, settings.limitSeconds, settings.limitPasses);
    const best = limit.points.reduce((a, p) => (p.itemsPerS > a.itemsPerS ? p : a));
    const single = limit.points.find((p) => p.batch === 1)!;
    // Long enough for the batcher to form full batches: one in progress, the request's own, and slack.
    const full = limit.points.find((p) => p.batch === settings.maxBatch)!;
    const sloMs = settings.sloMs ?? Math.max(50, Math.ceil((3 * full.msPerBatch) / 10) * 10);
    const sloWhy = settings.sloMs === undefined ? ` (3 x the limit loop's ${fmt(full.msPerBatch, 1)} ms for a full batch of ${settings.maxBatch}, rounded up to 10 ms, at least 50 ms)` : ' (--slo-ms)';
    log(`batching: limit ${fmt(best.itemsPerS, 0)} items/s at batch ${best.batch} (${fmt(best.msPerBatch, 1)} ms per batch); batch 1: ${fmt(single.itemsPerS, 0)} items/s; took ${fmt((performance.now() - t) / 1000, 0)} s`);
    log(`batching: SLO p99 <= ${sloMs} ms${sloWhy}`);

    // 3. Server and load generator.
    log(`batching: starting the server (${BATCHED}, ${UNBATCHED}) and the load generator`);
    const server: ServerChild = await startServer('full', 'bench/servers/full.ts', ['--scratch', scratch, '--repository', repository, BATCHED, UNBATCHED], {
      cpu: serverCpus,
      startTimeoutMs: 300_000,
      nodeFlags: settings.profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', settings.profileDir],
    });
    children.push(server);
    const init: LoadgenInit = { origin: server.origin, connections: settings.connections, inputName: INPUT_NAME, inDim, bodies: 64, seed: settings.seed, encoding: settings.encoding };
    const loadgen = startChild('load generator', 'bench/batching/loadgen.ts', [JSON.stringify(init)], { cpu: loaderCpu });
    children.push(loadgen);
    await loadgen.nextLine(60_000);

    // Reference answers from the unbatched model (every request alone), checked against batched answers under load.
    loadgen.send(JSON.stringify({ kind: 'reference', path: `/v2/models/${UNBATCHED}/infer` }));
    const reference = await expectLine<ReferenceResult>(loadgen, 'reference', 120_000);
    log(`batching: ${reference.bodies} reference answers from ${UNBATCHED} (unloaded p50 ${fmt(reference.p50Ms, 1)} ms)`);
    log(`batching: ${encodingLine(settings.encoding, reference, inDim)}`);

    let stepSeed = settings.seed * 1000;
    const runStep = async (model: string, rate: number): Promise<StepRow> => {
      const durationS = Math.min(3 * settings.stepS, Math.max(settings.stepS, settings.minSamples / rate));
      const command: StepCommand = {
        kind: 'step',
        path: `/v2/models/${model}/infer`,
        rate,
        warmupS: settings.warmupS,
        durationS,
        drainTimeoutS: 30,
        checkEvery: 25,
        seed: stepSeed++,
      };
      // Busy time of other processes is only meaningful when the server has its CPU to itself.
      const accountedCpu = settings.placement === 'one-core' ? serverCpu : undefined;
      const before = snapshot(server.pid, accountedCpu);
      loadgen.send(JSON.stringify(command));
      const step = await expectLine<StepResult>(loadgen, 'step', (settings.warmupS + durationS + 60) * 1000);
      const cpu = cpuDelta(server.pid, before, snapshot(server.pid, accountedCpu));
      const { passed, why } = verdict(step, sloMs);
      const row: StepRow = { model, step, cpu, passed, why };
      log(
        `  ${model.padEnd(13)} rate ${fmt(rate, 0).padStart(5)}/s  done ${fmt(step.achievedPerS, 0).padStart(5)}/s  p50 ${fmt(step.latencyMs.p50, 1)} ms  p99 ${fmt(step.latencyMs.p99, 1)} ms  ` +
          `batch ${fmt(step.meanBatch, 1)}  errors ${step.errors}  srv cpu ${cpu === undefined ? '?' : fmt((cpu.totalS / cpu.wallS) * 100, 0)}%  -> ${why}`,
      );
      for (const sample of step.errorSamples) log(`    ${sample}`);
      return row;
    };

    const search = async (model: string, startRate: number): Promise<{ tried: Tried<StepRow>[]; best: Tried<StepRow> | undefined }> =>
      searchRate({ startRate, factor: 1.25, precision: settings.precision, maxSteps: settings.maxSteps, minRate: 1 }, async (rate) => {
        const row = await runStep(model, rate);
        return { passed: row.passed, result: row, achieved: row.step.achievedPerS };
      });

    log(`batching: searching the highest rate for ${BATCHED} (batching on), from ${fmt(best.itemsPerS * 0.5, 0)}/s`);
    const batched = await search(BATCHED, best.itemsPerS * 0.5);
    log(`batching: searching the highest rate for ${UNBATCHED} (max_batch_size 1), from ${fmt(single.itemsPerS * 0.5, 0)}/s`);
    const unbatched = await search(UNBATCHED, single.itemsPerS * 0.5);

    // The limit again, on the same CPU with the server idle (its scratch folder, where the model is, goes when it stops):
    // noise from other processes only ever lowers a tight loop, so the higher of the two counts.
    await loadgen.stop();
    const recheckSizes = [...new Set([1, best.batch])];
    log(`batching: limit again at batch ${recheckSizes.join(' and ')}, with the server idle`);
    const { result: recheck, others: recheckOthers } = await measureLimit(recheckSizes, settings.limitSeconds * 2, 1);
    const after = (batch: number): LimitPoint => recheck.points.find((p) => p.batch === batch)!;
    const limitBest = after(best.batch).itemsPerS > best.itemsPerS ? after(best.batch) : best;
    const limitSingle = after(1).itemsPerS > single.itemsPerS ? after(1) : single;

    await Promise.all(children.splice(0).map((c) => c.stop()));
    if (settings.profileDir !== undefined) {
      const served = [...batched.tried, ...unbatched.tried].reduce((n, x) => n + x.result.step.sent, reference.bodies);
      log(`batching: server CPU profiles in ${settings.profileDir} (one file per thread; ${served} requests answered), summarise with:`);
      log(`          node --import tsx bench/tools/cpuprofile-top.ts ${settings.profileDir} --skip 3 --requests ${served}`);
    }

    // Report.
    const served = batched.best?.result.step;
    const servedUnbatched = unbatched.best?.result.step;
    // Served: what both arrived and completed in the measured window (the smaller of the two), so Poisson luck and warm-up leftovers do not inflate it.
    const servedOf = (step: StepResult | undefined): number => (step === undefined ? 0 : Math.min(step.arrivalsPerS, step.achievedPerS));
    const servedRate = servedOf(served);
    const servedUnbatchedRate = servedOf(servedUnbatched);
    const ratio = servedRate / limitBest.itemsPerS;
    const out: string[] = [];
    out.push('');
    out.push(`Batching: served throughput (whole server, open-loop single-row requests, ${ENCODING_TITLE[settings.encoding]}, p99 SLO) vs the raw ONNX Runtime limit`);
    out.push(`model: ${title}, seeded weights (seed ${settings.seed}), ${fmt(macs / 1e6, 1)} M multiply-adds/item, ${fmt(bytes.byteLength / 2 ** 20, 1)} MiB`);
    out.push(`session: CPU execution provider, intra-op threads ${settings.threads} (limit loop and server alike), inter-op 1, all graph optimisations; server: 1 ONNX instance per model`);
    out.push(placement);
    out.push('');
    const othersNote = (others: number | undefined): string => (others === undefined ? '' : `, others on CPU ${serverCpu ?? '?'} ${fmt(others * 100, 0)}%`);
    out.push(`limit: onnxruntime-node InferenceSession.run in a tight loop, one reused input, best of ${settings.limitPasses} round(s) of ${settings.limitSeconds} s per batch size (loop cpu ${fmt(limit.cpu * 100, 0)}%${othersNote(limitOthers)})`);
    out.push(
      ...table(
        ['batch', 'ms/batch', 'items/s', 'ms/item', 'items/s per round'],
        limit.points.map((p) => [String(p.batch), fmt(p.msPerBatch, 2), fmt(p.itemsPerS, 0), fmt(p.msPerBatch / p.batch, 3), p.rounds.map((r) => fmt(r, 0)).join(' ')]),
        0,
      ),
    );
    out.push(`best: batch ${best.batch}, ${fmt(best.itemsPerS, 0)} items/s (${fmt(best.msPerBatch, 1)} ms per batch); batch 1: ${fmt(single.itemsPerS, 0)} items/s`);
    out.push(
      `after the load, server idle, once more (${settings.limitSeconds * 2} s each${othersNote(recheckOthers)}): batch ${best.batch} ${fmt(after(best.batch).itemsPerS, 0)} items/s, batch 1 ${fmt(after(1).itemsPerS, 0)} items/s; ` +
        `the limit is the higher: ${fmt(limitBest.itemsPerS, 0)} items/s (batch 1: ${fmt(limitSingle.itemsPerS, 0)})`,
    );
    out.push('');
    out.push(`SLO: p99 <= ${sloMs} ms${sloWhy}, no failed request, every 25th answer equal to the unbatched answer (as FP32 values, to 1e-3 relative)`);
    out.push(
      `load: open loop, Poisson arrivals, [1,${inDim}] FP32 requests (64 distinct rows), ${settings.connections} keep-alive connections (undici); per step ${settings.warmupS} s warm-up + ${settings.stepS} s measured (longer for low rates, to get ${settings.minSamples} samples)`,
    );
    out.push(encodingLine(settings.encoding, reference, inDim));
    out.push(`latency: from each request's scheduled arrival to the end of its answer; search: x1.25 steps, then bisection to ${fmt(settings.precision * 100, 0)}%`);
    for (const [title, result] of [
      [`${BATCHED}: batching on (max_batch_size ${settings.maxBatch}, latency_class throughput, policy ${settings.policy}, max_queue_delay_ms.throughput ${settings.maxDelayMs}); encoding ${settings.encoding}`, batched],
      [`${UNBATCHED}: batching off (max_batch_size 1); encoding ${settings.encoding}`, unbatched],
    ] as const) {
      out.push('');
      out.push(title);
      out.push(...table(STEP_HEADER, stepRows([...result.tried].sort((a, b) => a.rate - b.rate).map((x) => x.result)), 0));
    }
    out.push('');
    out.push('batch mean/req/max: per batch / as seen by the average request / largest, from x-switchyard-batch-size; queue, compute: Server-Timing p50 (ms);');
    out.push('srv cpu: server CPU time / wall time over the step (warm-up and drain included), 100% = one core; loop ms/req: CPU of the server\'s main');
    out.push('(event-loop) thread per request sent; onnx ms/item: CPU of its busiest other thread (the ONNX worker) per item; others: busy time of the');
    out.push('server\'s CPU not charged to the server (other processes, interrupts, steal); gen cpu: the load generator\'s CPU time / wall time');
    const gap = batched.best === undefined ? undefined : gapAnalysis(batched.best.result, limitBest, limit.points, serverCpu);
    if (gap) {
      out.push('');
      out.push(...gap.lines);
    }
    out.push('');
    const allRows = [...batched.tried, ...unbatched.tried].map((x) => x.result.step);
    const checked = allRows.reduce((n, x) => n + x.checked, 0);
    const wrong = allRows.reduce((n, x) => n + x.mismatches, 0);
    out.push(`outputs checked against the unbatched reference: ${checked}, wrong: ${wrong}`);
    const gain = servedUnbatchedRate > 0 ? servedRate / servedUnbatchedRate : Number.NaN;
    out.push(`served with batching:    ${fmt(servedRate, 0)} items/s at p99 ${fmt(served?.latencyMs.p99 ?? Number.NaN, 1)} ms (rate ${fmt(batched.best?.rate ?? Number.NaN, 0)}/s, mean batch ${fmt(served?.meanBatch ?? Number.NaN, 1)})`);
    out.push(`served without batching: ${fmt(servedUnbatchedRate, 0)} items/s at p99 ${fmt(servedUnbatched?.latencyMs.p99 ?? Number.NaN, 1)} ms (${fmt(servedUnbatchedRate / limitSingle.itemsPerS, 3)} of the batch-1 limit)`);
    out.push(`ratio (served with batching / limit): ${fmt(ratio, 3)}   target >= 0.8: ${ratio >= 0.8 ? 'met' : 'NOT met'}`);
    out.push(`batching gain (served with / without batching): ${fmt(gain, 2)}x`);
    out.push(`(took ${fmt((performance.now() - started) / 1000, 0)} s)`);
    process.stdout.write(`${out.join('\n')}\n`);

    const summary = {
      bench: 'batching',
      encoding: settings.encoding,
      ratio: round(ratio, 3),
      limit_items_per_s: round(limitBest.itemsPerS, 1),
      best_batch: best.batch,
      served_items_per_s: round(servedRate, 1),
      served_unbatched_items_per_s: round(servedUnbatchedRate, 1),
      batching_gain: round(gain, 2),
      slo_p99_ms: sloMs,
      p99_ms: round(served?.latencyMs.p99 ?? Number.NaN, 1),
      p50_ms: round(served?.latencyMs.p50 ?? Number.NaN, 1),
      rate_per_s: round(batched.best?.rate ?? 0, 1),
      mean_batch: round(served?.meanBatch ?? Number.NaN, 2),
      server_cpu: round(gap?.serverCpu ?? Number.NaN, 3),
      loop_ms_per_request: round(gap?.loopMsPerRequest ?? Number.NaN, 3),
      onnx_ms_per_item: round(gap?.onnxMsPerItem ?? Number.NaN, 3),
      worker_core_share: round(gap?.workerShare ?? Number.NaN, 3),
      compute_efficiency: round(gap?.efficiency ?? Number.NaN, 3),
      one_core_bound_ratio: round(gap?.boundRatio ?? Number.NaN, 3),
      others_cpu: round(gap?.othersCpu ?? Number.NaN, 3),
      unbatched_p99_ms: round(servedUnbatched?.latencyMs.p99 ?? Number.NaN, 1),
      limit_batch1_items_per_s: round(limitSingle.itemsPerS, 1),
      unbatched_ratio: round(servedUnbatchedRate / limitSingle.itemsPerS, 3),
      limit_ms_per_best_batch: round(limitBest.msPerBatch, 2),
      limit_others_cpu: round(limitOthers ?? Number.NaN, 3),
      max_batch_size: settings.maxBatch,
      intra_op_threads: settings.threads,
      policy: settings.policy,
      max_queue_delay_ms: settings.maxDelayMs,
      model: built.name,
      outputs_checked: checked,
      outputs_wrong: wrong,
      pinned: serverCpu !== undefined,
      placement: settings.placement,
      quick: settings.quick,
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return 0;
  } finally {
    await Promise.all(children.map((c) => c.stop()));
  }
}

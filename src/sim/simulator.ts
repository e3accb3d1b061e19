/**
 * The discrete-event simulator: drives the real Scheduler with a virtual clock. Three sources
 * of events, merged in time order — batch completions (a binary heap), the scheduler's own
 * wake-ups (`nextWakeupMs`), and the next arrival of the workload (generated lazily) — plus
 * periodic load reports from every replica, as node agents send them. Ties go to completions
 * first (they free replicas), then wake-ups, then arrivals.
 *
 * The runtime: a batch of n rows on hardware class h takes the profile's time for (h, n),
 * times a seeded log-normal jitter, and completes at dispatch + that time.
 */
import type { ErrorCode } from '../core/errors.js';
import { Scheduler } from '../scheduler/scheduler.js';
import type { Batch, LatencyClass, Outcome, ReplicaSpec, RequestHints, SchedulerRequest } from '../scheduler/types.js';
import { EventHeap } from './event-heap.js';
import { deploymentConfig, type PolicyName } from './policies.js';
import { serviceTable } from './profile.js';
import { Rng } from './rng.js';
import type { ClusterSpec } from './spec.js';
import { arrivalProcess, RequestMix, type WorkloadSpec } from './workload.js';

export interface SimOptions {
  readonly cluster: ClusterSpec;
  readonly policy: PolicyName;
  readonly workload: WorkloadSpec;
  readonly requests: number;
  readonly seed: number;
  /** Sigma of the log-normal spread of each batch's time around the profile. @default 0.05 */
  readonly jitter?: number;
  /** How often every replica reports its load, simulated ms. @default 1000 */
  readonly reportIntervalMs?: number;
  /**
   * Requests arriving before this (simulated ms) run but are not counted: attainment, latency
   * and cost are measured over the window after it, once queues have reached their steady
   * level. @default 0
   */
  readonly warmupMs?: number;
  /** Keep the sorted latencies of served requests in the result (for CDFs). @default false */
  readonly keepLatencies?: boolean;
  /** Called every few thousand arrivals and at the end. */
  readonly onProgress?: (submitted: number, total: number) => void;
  /** Sees every settlement (refusals from submit too), for diagnostics. */
  readonly onSettle?: (request: SchedulerRequest<undefined>, outcome: Outcome, nowMs: number) => void;
}

export interface HardwareStats {
  readonly hardwareClass: string;
  readonly tier: string;
  readonly simulated: boolean;
  readonly replicas: number;
  /** Busy time over replica-time, 0..1 (over the whole run, warm-up included). */
  readonly utilisation: number;
  readonly batches: number;
  readonly rows: number;
  readonly meanBatchRows: number;
  /** Price of this class's nodes, USD per hour. */
  readonly costPerHour: number;
  /** Price of the busy time of this class's replicas over the measured window, USD. */
  readonly busyCost: number;
}

export interface LatencySummary {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly mean: number;
  readonly max: number;
}

export interface SimResult {
  readonly policy: PolicyName;
  readonly cluster: string;
  readonly workload: string;
  readonly ratePerS: number;
  readonly seed: number;
  readonly submitted: number;
  readonly served: number;
  /** Served within the deadline. */
  readonly met: number;
  /** Served after the deadline. */
  readonly late: number;
  readonly refused: Readonly<Partial<Record<ErrorCode, number>>>;
  /** Met / submitted: refusals count as misses. */
  readonly attainment: number;
  readonly attainmentByClass: Readonly<Record<LatencyClass, number>>;
  /** Over served requests, ms from arrival to completion. */
  readonly latencyMs: LatencySummary;
  /** The same by latency class. */
  readonly latencyByClassMs: Readonly<Record<LatencyClass, LatencySummary>>;
  /** Simulated time the traffic ran: from 0 to the last arrival, ms. */
  readonly durationMs: number;
  /** Start of the measured window (the warm-up asked for), ms; the window ends at the last arrival. */
  readonly warmupMs: number;
  /** Simulated time to the last settlement (the window plus draining what was left), ms. */
  readonly makespanMs: number;
  readonly clusterCostPerHour: number;
  /**
   * Cost of where requests ran, per 1,000 served in the measured window, USD: the busy time of
   * every batch that started in the window, at its replica's price (a replica's price is its
   * node's / replicas per node). Idle time is not charged, so a policy that serves on cheaper
   * hardware, or in fuller batches, pays less.
   */
  readonly costPer1k: number;
  /** Whole-cluster price over the measured window per 1,000 served in it, USD (every node paid for all the time: the same for every policy that serves everything). */
  readonly clusterCostPer1k: number;
  readonly hardware: readonly HardwareStats[];
  readonly replicas: number;
  /** Requests never settled and settlements of an already settled request: both must be 0. */
  readonly unsettled: number;
  readonly duplicateSettlements: number;
  readonly events: number;
  readonly wallMs: number;
  readonly latencies?: Float64Array;
}

const NO_HINTS: RequestHints = Object.freeze({});
const MB = 1024 * 1024;

export function percentile(sorted: Float64Array, p: number, count = sorted.length): number {
  if (count === 0) return Number.NaN;
  const rank = Math.min(count - 1, Math.max(0, Math.ceil((p / 100) * count) - 1));
  return sorted[rank]!;
}

function summarise(sorted: Float64Array): LatencySummary {
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i]!;
  const n = sorted.length;
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), mean: n > 0 ? sum / n : Number.NaN, max: n > 0 ? sorted[n - 1]! : Number.NaN };
}

function workloadLabel(w: WorkloadSpec): string {
  return w.kind === 'trace' ? `trace:${(w.tracePaths ?? []).map((p) => p.split('/').pop()).join('+')}` : w.kind;
}

/** Replica specs of the cluster: one per replica slot of every node. */
export function replicaSpecs(cluster: ClusterSpec, deployment: string): ReplicaSpec[] {
  const specs: ReplicaSpec[] = [];
  for (const group of cluster.nodes) {
    const profile = cluster.profile.classes.get(group.hardwareClass)!;
    const table = serviceTable(profile, group.maxBatchSize);
    const baseMs = table[1]!;
    const perRowMs = group.maxBatchSize > 1 ? Math.max(0, (table[group.maxBatchSize]! - baseMs) / (group.maxBatchSize - 1)) : 0;
    for (let n = 0; n < group.count; n++) {
      for (let r = 0; r < group.replicasPerNode; r++) {
        specs.push({
          id: `${group.name}-${n}/${r}`,
          deployment,
          node: `${group.name}-${n}`,
          hardwareClass: group.hardwareClass,
          device: `${group.hardwareClass}:${r}`,
          tier: group.tier,
          costPerHour: group.costPerHour / group.replicasPerNode,
          memoryBytes: Math.floor(group.memoryBytes / group.replicasPerNode / MB) * MB,
          simulated: true,
          maxBatchSize: group.maxBatchSize,
          serviceTimePrior: { baseMs, perRowMs },
        });
      }
    }
  }
  return specs;
}

export function simulate(options: SimOptions): SimResult {
  const started = performance.now();
  const { cluster, policy, workload, requests: total, seed } = options;
  const jitter = options.jitter ?? 0.05;
  const reportIntervalMs = options.reportIntervalMs ?? 1000;
  const onSettle = options.onSettle;
  const deployment = cluster.profile.model;

  // Service-time tables by hardware class, looked up per batch.
  const tables = new Map<string, Float64Array>();
  for (const group of cluster.nodes) {
    const size = Math.max(group.maxBatchSize, tables.get(group.hardwareClass)?.length ?? 0);
    tables.set(group.hardwareClass, serviceTable(cluster.profile.classes.get(group.hardwareClass)!, size));
  }

  const heap = new EventHeap(1024);
  const jitterRng = Rng.stream(seed, 'jitter');
  const routerRng = Rng.stream(seed, 'router');
  const sigma = jitter;
  const bias = (sigma * sigma) / 2;

  let now = 0;
  let served = 0;
  let met = 0;
  let late = 0;
  let duplicates = 0;
  let settledCount = 0;
  const refused: Partial<Record<ErrorCode, number>> = {};
  const metByClass = { realtime: 0, throughput: 0 };
  const submittedByClass = { realtime: 0, throughput: 0 };
  const warmupMs = options.warmupMs ?? 0;
  // What the summaries count: settlements of requests that arrived in the measured window.
  let measuredSubmitted = 0;
  const latencies = new Float64Array(total);
  const classOf = new Uint8Array(total);
  const busyCostByClass = new Map<string, number>();
  const settled = new Uint8Array(total);
  let lastSettleMs = 0;

  const refuse = (code: ErrorCode): void => {
    refused[code] = (refused[code] ?? 0) + 1;
  };

  const settle = (request: SchedulerRequest<undefined>, outcome: Outcome): void => {
    const id = request.id;
    if (settled[id] === 1) {
      duplicates++;
      return;
    }
    settled[id] = 1;
    settledCount++;
    lastSettleMs = now;
    onSettle?.(request, outcome, now);
    if (request.arrivalMs < warmupMs) return;
    if (outcome.ok) {
      classOf[served] = request.latencyClass === 'realtime' ? 1 : 0;
      latencies[served++] = now - request.arrivalMs;
      if (now <= request.deadlineMs) {
        met++;
        metByClass[request.latencyClass]++;
      } else late++;
    } else refuse(outcome.code);
  };

  const runtime = {
    execute(batch: Batch<undefined>): void {
      const table = tables.get(batch.replica.hardwareClass)!;
      const base = table[Math.min(batch.rows, table.length - 1)]!;
      const ms = sigma > 0 ? base * Math.exp(sigma * jitterRng.normal() - bias) : base;
      heap.push(batch.dispatchedAtMs + ms, batch.id, ms);
      if (batch.dispatchedAtMs >= warmupMs) {
        const perMs = batch.replica.costPerHour / 3_600_000;
        busyCostByClass.set(batch.replica.hardwareClass, (busyCostByClass.get(batch.replica.hardwareClass) ?? 0) + perMs * ms);
      }
    },
  };

  const scheduler = new Scheduler<undefined>({ runtime, settle, router: policy, random: () => routerRng.next() });
  scheduler.addDeployment(deployment, deploymentConfig(policy, cluster));
  const specs = replicaSpecs(cluster, deployment);
  for (const spec of specs) scheduler.addReplica(spec, 0);
  const ids = specs.map((s) => s.id);

  const arrivals = arrivalProcess(workload, seed, total);
  const mix = new RequestMix(cluster.traffic, seed);
  let submitted = 0;
  let lastArrivalMs = 0;
  let nextArrivalMs = total > 0 ? arrivals.nextMs() : Number.POSITIVE_INFINITY;
  let nextReportMs = reportIntervalMs;
  let events = 0;
  const progressEvery = 1 << 14;

  for (;;) {
    const doneAt = heap.peekTime();
    const wakeAt = scheduler.nextWakeupMs();
    let t = doneAt < wakeAt ? doneAt : wakeAt;
    if (nextArrivalMs < t) t = nextArrivalMs;
    if (t === Number.POSITIVE_INFINITY) break;
    if (nextReportMs <= t) {
      now = nextReportMs;
      for (const id of ids) scheduler.report(id, now);
      nextReportMs += reportIntervalMs;
      continue;
    }
    if (t > now) now = t;
    events++;
    if (doneAt <= t) {
      const id = heap.peekId();
      const ms = heap.peekValue();
      heap.pop();
      scheduler.complete(id, now, { ok: true, computeMs: ms });
    } else if (wakeAt <= t) {
      scheduler.advance(now);
    } else {
      lastArrivalMs = now;
      const traits = mix.draw(arrivals.tokens);
      const request: SchedulerRequest<undefined> = {
        id: submitted,
        deployment,
        arrivalMs: now,
        priority: traits.priority,
        latencyClass: traits.latencyClass,
        deadlineMs: now + traits.deadlineMs,
        timeoutAction: 'reject',
        rows: traits.rows,
        batchKey: '',
        hints: NO_HINTS,
        payload: undefined,
      };
      const measured = now >= warmupMs;
      if (measured) {
        submittedByClass[traits.latencyClass]++;
        measuredSubmitted++;
      }
      submitted++;
      const refusal = scheduler.submit(request, now);
      if (refusal) {
        if (settled[request.id] === 1) duplicates++;
        else {
          settled[request.id] = 1;
          settledCount++;
          if (measured) refuse(refusal.code);
          onSettle?.(request, refusal, now);
        }
      }
      nextArrivalMs = submitted < total ? arrivals.nextMs() : Number.POSITIVE_INFINITY;
      if (options.onProgress && submitted % progressEvery === 0) options.onProgress(submitted, total);
    }
  }
  options.onProgress?.(submitted, total);

  const makespanMs = Math.max(lastSettleMs, now);
  const durationMs = lastArrivalMs;
  const byLatencyClass: Record<LatencyClass, number[]> = { realtime: [], throughput: [] };
  for (let i = 0; i < served; i++) byLatencyClass[classOf[i] === 1 ? 'realtime' : 'throughput'].push(latencies[i]!);
  const sorted = latencies.subarray(0, served).sort();

  const byClass = new Map<string, { tier: string; replicas: number; busyMs: number; batches: number; rows: number; costPerHour: number }>();
  for (const stat of scheduler.replicaStats()) {
    const key = stat.spec.hardwareClass;
    const entry = byClass.get(key) ?? { tier: stat.spec.tier, replicas: 0, busyMs: 0, batches: 0, rows: 0, costPerHour: 0 };
    entry.replicas++;
    entry.busyMs += stat.busyMs;
    entry.batches += stat.completedBatches;
    entry.rows += stat.completedRows;
    entry.costPerHour += stat.spec.costPerHour;
    byClass.set(key, entry);
  }
  const hardware: HardwareStats[] = [...byClass.entries()].map(([hardwareClass, e]) => ({
    hardwareClass,
    tier: e.tier,
    simulated: cluster.profile.classes.get(hardwareClass)?.simulated ?? true,
    replicas: e.replicas,
    utilisation: makespanMs > 0 ? e.busyMs / (e.replicas * makespanMs) : 0,
    batches: e.batches,
    rows: e.rows,
    meanBatchRows: e.batches > 0 ? e.rows / e.batches : 0,
    costPerHour: e.costPerHour,
    busyCost: busyCostByClass.get(hardwareClass) ?? 0,
  }));
  const clusterCostPerHour = cluster.nodes.reduce((c, n) => c + n.count * n.costPerHour, 0);
  const windowMs = Math.max(0, durationMs - warmupMs);
  const clusterCost = (clusterCostPerHour * windowMs) / 3_600_000;
  let busyCost = 0;
  for (const c of busyCostByClass.values()) busyCost += c;

  return {
    policy,
    cluster: cluster.name,
    workload: workloadLabel(workload),
    ratePerS: workload.ratePerS,
    seed,
    submitted: measuredSubmitted,
    served,
    met,
    late,
    refused,
    attainment: measuredSubmitted > 0 ? met / measuredSubmitted : 1,
    attainmentByClass: {
      realtime: submittedByClass.realtime > 0 ? metByClass.realtime / submittedByClass.realtime : 1,
      throughput: submittedByClass.throughput > 0 ? metByClass.throughput / submittedByClass.throughput : 1,
    },
    latencyMs: summarise(sorted),
    latencyByClassMs: {
      realtime: summarise(Float64Array.from(byLatencyClass.realtime).sort()),
      throughput: summarise(Float64Array.from(byLatencyClass.throughput).sort()),
    },
    durationMs,
    warmupMs,
    makespanMs,
    clusterCostPerHour,
    costPer1k: served > 0 ? (busyCost / served) * 1000 : Number.POSITIVE_INFINITY,
    clusterCostPer1k: served > 0 ? (clusterCost / served) * 1000 : Number.POSITIVE_INFINITY,
    hardware,
    replicas: specs.length,
    unsettled: submitted - settledCount,
    duplicateSettlements: duplicates,
    events,
    wallMs: performance.now() - started,
    ...(options.keepLatencies ? { latencies: sorted.slice() } : {}),
  };
}

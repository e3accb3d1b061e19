/**
 * The scheduler: admission, per-replica priority/EDF queues, batching and routing, as pure
 * logic. Hosts pass `now` into every call, call `advance(now)` at `nextWakeupMs()`, run the
 * batches handed to their Runtime, and report each batch back through `complete`.
 *
 * Every admitted request ends exactly once through `settle`: served, or refused with a code.
 * `submit` refuses synchronously (it returns the refusal) or admits (returns undefined).
 */
import type { ErrorCode } from '../core/errors.js';
import { decideBatch, type BatchingConfig } from './batch-policy.js';
import { ReplicaGroup } from './replica-group.js';
import { ReplicaRuntime } from './replica.js';
import type { Queued } from './request-queue.js';
import { createRouter, type Router, type RouterPolicyName } from './router.js';
import type { Batch, Outcome, Priority, Refused, ReplicaSpec, ReplicaState, Runtime, SchedulerRequest, Settle } from './types.js';
import { Wakeups } from './wakeups.js';

export interface DeploymentConfig {
  /** Requests that may wait across all replicas of the deployment. */
  readonly maxQueue: number;
  readonly batching: BatchingConfig;
  /** `predictive` refuses at once what cannot meet its deadline; `none` queues it (Triton). */
  readonly admission: 'predictive' | 'none';
}

export interface SchedulerOptions<P> {
  readonly runtime: Runtime<P>;
  readonly settle: Settle<P>;
  readonly router?: RouterPolicyName;
  /** Load reports older than this make a replica look saturated. @default 10000 */
  readonly staleAfterMs?: number;
  /** Seeded in tests and the simulator. @default Math.random */
  readonly random?: () => number;
  /**
   * Treat the cloud tier as burst capacity: `deadline-cost` routes there only requests that no edge or
   * on-prem replica is predicted to serve by their deadline. @default false
   */
  readonly cloudIsBurst?: boolean;
}

/** How a batch ended; a failure may carry its backend's retry hint (an upstream's, say) on to Retry-After. */
export type BatchResult =
  | { readonly ok: true; readonly computeMs: number }
  | { readonly ok: false; readonly code: ErrorCode; readonly message: string; readonly retryAfterSeconds?: number | undefined };

// Why: a staged batch must be in the worker's inbox before the running one ends, despite timer slack.
const STAGE_LEAD_MS = 2;

/** Share of the queue bound each priority may fill: sheddable is refused first, then standard. */
const QUEUE_SHARE = { critical: 1, standard: 0.85, sheddable: 0.5 } as const;

/** `peek` scans every ready replica of a deployment only up to this many. */
const PEEK_MAX_REPLICAS = 64;

interface Deployment<P> {
  readonly name: string;
  readonly config: DeploymentConfig;
  groups: ReplicaGroup<P>[];
  /** Every ready replica, for routers that look at all of them. */
  ready: ReplicaRuntime<P>[];
  queued: number;
}

function hasReady(group: ReplicaGroup<unknown>): boolean {
  return group.ready.length > 0;
}

function refusal(code: ErrorCode, message: string, retryAfterSeconds?: number): Refused {
  return { ok: false, code, message, retryAfterSeconds };
}

export class Scheduler<P = unknown> {
  private readonly deployments = new Map<string, Deployment<P>>();
  private readonly replicas: ReplicaRuntime<P>[] = [];
  private readonly replicaById = new Map<string, ReplicaRuntime<P>>();
  private readonly running = new Map<number, ReplicaRuntime<P>>();
  private readonly wakeups = new Wakeups();
  private readonly router: Router;
  private readonly random: () => number;
  private readonly staleAfterMs: number;
  private nextBatchId = 1;
  private nextSeq = 1;

  constructor(private readonly options: SchedulerOptions<P>) {
    this.router = createRouter(options.router ?? 'deadline-cost');
    this.random = options.random ?? Math.random;
    this.staleAfterMs = options.staleAfterMs ?? 10_000;
  }

  addDeployment(name: string, config: DeploymentConfig): void {
    if (this.deployments.has(name)) throw new Error(`deployment ${name} already exists`);
    this.deployments.set(name, { name, config, groups: [], ready: [], queued: 0 });
  }

  addReplica(spec: ReplicaSpec, nowMs: number, state: ReplicaState = 'ready'): void {
    const deployment = this.deployments.get(spec.deployment);
    if (!deployment) throw new Error(`replica ${spec.id}: unknown deployment ${spec.deployment}`);
    if (this.replicaById.has(spec.id)) throw new Error(`replica ${spec.id} already exists`);
    const replica = new ReplicaRuntime<P>(spec, this.replicas.length, state, nowMs);
    this.replicas.push(replica);
    this.replicaById.set(spec.id, replica);
    const key = ReplicaGroup.keyOf(spec);
    let group = deployment.groups.find((g) => g.key === key);
    if (!group) {
      group = new ReplicaGroup<P>(key, spec.hardwareClass, spec.tier, spec.memoryBytes, spec.costPerHour, spec.maxBatchSize);
      deployment.groups.push(group);
    }
    group.members.push(replica);
    this.refresh(deployment);
  }

  /** A replica's node reported its load: its metrics are fresh again. */
  report(replicaId: string, nowMs: number): void {
    const replica = this.replicaById.get(replicaId);
    if (replica) replica.lastReportMs = nowMs;
  }

  /** Marks a replica loading, ready, draining or failed. Requests waiting on a replica that stops taking work move to others. */
  setReplicaState(replicaId: string, state: ReplicaState, nowMs: number): void {
    const replica = this.replicaById.get(replicaId);
    if (!replica || replica.state === state) return;
    replica.state = state;
    const deployment = this.deployments.get(replica.spec.deployment)!;
    this.refresh(deployment);
    if (state === 'ready') {
      this.serve(replica, nowMs);
      return;
    }
    if (state === 'failed' || state === 'draining') this.rehome(replica, deployment, nowMs);
  }

  /** Takes a replica out for good (its node died, or placement moved it): waiting requests move to others; a running batch still completes. */
  removeReplica(replicaId: string, nowMs: number): void {
    const replica = this.replicaById.get(replicaId);
    if (!replica) return;
    this.setReplicaState(replicaId, 'failed', nowMs);
    this.replicaById.delete(replicaId);
    const deployment = this.deployments.get(replica.spec.deployment)!;
    for (const group of deployment.groups) {
      const index = group.members.indexOf(replica);
      if (index >= 0) group.members.splice(index, 1);
    }
    deployment.groups = deployment.groups.filter((g) => g.members.length > 0);
    this.refresh(deployment);
  }

  /** Forgets a deployment with no replicas and nothing queued (its version was unloaded), so its name can be added again. */
  removeDeployment(name: string): void {
    const deployment = this.deployments.get(name);
    if (!deployment) return;
    if (deployment.groups.length > 0 || deployment.queued > 0) throw new Error(`deployment ${name} still has replicas or queued requests`);
    this.deployments.delete(name);
  }

  /** Rebuilds the ready lists after a replica joins or changes state (rare; read on every request). */
  private refresh(deployment: Deployment<P>): void {
    for (const group of deployment.groups) group.refresh();
    deployment.ready = deployment.groups.flatMap((g) => g.ready);
  }

  private rehome(replica: ReplicaRuntime<P>, deployment: Deployment<P>, nowMs: number): void {
    const waiting = [...replica.queue.inOrder()];
    replica.queue.remove(waiting);
    deployment.queued -= waiting.length;
    for (const item of waiting) {
      const target = this.route(item.request, deployment, nowMs);
      if (target) this.enqueue(target, deployment, item.request, nowMs);
      else this.options.settle(item.request, refusal('NO_HEALTHY_REPLICA', `replica ${replica.spec.id} stopped and no other replica of ${deployment.name} is ready`, 1));
    }
  }

  /** The groups the request fits; the deployment's own list (not a copy) when it fits them all, as it mostly does. */
  private eligibleGroups(request: SchedulerRequest<P>, deployment: Deployment<P>): readonly ReplicaGroup<P>[] {
    const { groups } = deployment;
    let fitting = 0;
    while (fitting < groups.length && groups[fitting]!.fits(request.hints, request.rows)) fitting++;
    return fitting === groups.length ? groups : groups.filter((g) => g.fits(request.hints, request.rows));
  }

  private route(request: SchedulerRequest<P>, deployment: Deployment<P>, nowMs: number, eligible = this.eligibleGroups(request, deployment)): ReplicaRuntime<P> | undefined {
    const groups = eligible.every(hasReady) ? eligible : eligible.filter(hasReady);
    if (groups.length === 0) return undefined;
    // With no group filtered out, routers that look at every replica use the prebuilt list.
    const allReady = eligible.length === deployment.groups.length ? deployment.ready : undefined;
    const { maxQueueDelayMs } = deployment.config.batching;
    const batchWindowMs = deployment.config.batching.policy === 'adaptive' ? Math.min(maxQueueDelayMs.realtime, maxQueueDelayMs.throughput) : 0;
    return this.router.pick({ request, nowMs, groups, allReady, staleAfterMs: this.staleAfterMs, random: this.random, cloudIsBurst: this.options.cloudIsBurst ?? false, batchWindowMs });
  }

  /**
   * Seconds until a replica is predicted to have drained its queue; what Retry-After says.
   * One sampled replica per group keeps this O(groups) on the refusal path.
   */
  private drainSeconds(deployment: Deployment<P>, nowMs: number): number {
    let soonest = Number.POSITIVE_INFINITY;
    for (const group of deployment.groups) {
      const replica = group.ready[Math.floor(this.random() * group.ready.length)];
      if (replica) soonest = Math.min(soonest, replica.predictCompletion(0, nowMs) - nowMs);
    }
    return Number.isFinite(soonest) ? Math.max(1, Math.ceil(soonest / 1000)) : 1;
  }

  /**
   * What admission can already say before a request's body is read: a non-critical request over
   * its priority's share of the queue, or a deadline the soonest ready replica would miss even
   * with one row, is refused now. Hints only narrow the replicas, so a refusal here is one
   * `submit` would make too; undefined means "decide on submit".
   */
  peek(deploymentName: string, priority: Priority, deadlineMs: number, nowMs: number): Refused | undefined {
    const deployment = this.deployments.get(deploymentName);
    if (!deployment || deployment.ready.length === 0) return undefined;
    if (priority !== 'critical' && this.overShare(deployment, priority)) return this.saturated(deployment, priority, nowMs);
    // Past a few dozen replicas the scan would cost more than it saves: submit decides.
    if (deployment.config.admission !== 'predictive' || !Number.isFinite(deadlineMs) || deployment.ready.length > PEEK_MAX_REPLICAS) return undefined;
    let soonest = Number.POSITIVE_INFINITY;
    for (const replica of deployment.ready) soonest = Math.min(soonest, replica.predictCompletionAt(priority, 1, nowMs));
    if (soonest <= deadlineMs) return undefined;
    return refusal('DEADLINE_INFEASIBLE', `predicted completion in ${(soonest - nowMs).toFixed(1)} ms on the soonest replica of ${deployment.name} misses the deadline`, this.drainSeconds(deployment, nowMs));
  }

  private queueLimit(deployment: Deployment<P>, priority: Priority): number {
    return Math.ceil(deployment.config.maxQueue * QUEUE_SHARE[priority]);
  }

  /** Whether the requests waiting fill this priority's share of the queue bound. */
  private overShare(deployment: Deployment<P>, priority: Priority): boolean {
    return deployment.queued >= this.queueLimit(deployment, priority);
  }

  private saturated(deployment: Deployment<P>, priority: Priority, nowMs: number): Refused {
    return refusal('OVERLOADED', `${deployment.name} is saturated: ${deployment.queued} requests are waiting (the ${priority} share of max_queue is ${this.queueLimit(deployment, priority)})`, this.drainSeconds(deployment, nowMs));
  }

  /** Admits the request (returns undefined; it will be settled later) or refuses it now. */
  submit(request: SchedulerRequest<P>, nowMs: number): Refused | undefined {
    const deployment = this.deployments.get(request.deployment);
    if (!deployment) return refusal('MODEL_NOT_READY', `no replicas are deployed for ${request.deployment}`, 5);
    // A cluster deployment whose replicas are all gone (or not placed yet) is unavailable, not misused.
    if (deployment.groups.length === 0) return refusal('NO_HEALTHY_REPLICA', `no replica of ${deployment.name} is placed right now`, 1);
    const eligible = this.eligibleGroups(request, deployment);
    if (eligible.length === 0) {
      const largest = Math.max(0, ...deployment.groups.map((g) => g.maxBatchSize));
      if (request.rows > largest) return refusal('BATCH_TOO_LARGE', `a batch of ${request.rows} rows is larger than any replica of ${deployment.name} takes (${largest})`);
      const classes = [...new Set(deployment.groups.map((g) => `${g.hardwareClass} (${g.tier}, ${g.memoryBytes} bytes)`))].join(', ');
      return refusal('HINTS_UNSATISFIABLE', `no replica of ${deployment.name} fits the request's hints; replicas run on: ${classes || 'nothing yet'}`);
    }
    if (!eligible.some(hasReady)) {
      return refusal('NO_HEALTHY_REPLICA', `no replica of ${deployment.name} that fits the request is ready`, 1);
    }
    if (this.overShare(deployment, request.priority) && !(request.priority === 'critical' && this.shedFor(deployment, nowMs))) {
      return this.saturated(deployment, request.priority, nowMs);
    }
    const target = this.route(request, deployment, nowMs, eligible);
    if (!target) return refusal('NO_HEALTHY_REPLICA', `no replica of ${deployment.name} that fits the request is ready`, 1);
    if (request.hints.maxCostPer1k !== undefined && target.costPerRow(request.rows) * 1000 > request.hints.maxCostPer1k) {
      return refusal('HINTS_UNSATISFIABLE', `no ready replica of ${deployment.name} serves under ${request.hints.maxCostPer1k} per 1,000 inferences right now`);
    }
    if (deployment.config.admission === 'predictive') {
      const finish = target.predictCompletionAt(request.priority, request.rows, nowMs);
      if (finish > request.deadlineMs) {
        return refusal(
          'DEADLINE_INFEASIBLE',
          `predicted completion in ${(finish - nowMs).toFixed(1)} ms on ${target.spec.hardwareClass} misses the deadline of ${(request.deadlineMs - request.arrivalMs).toFixed(1)} ms`,
          this.drainSeconds(deployment, nowMs),
        );
      }
    }
    this.enqueue(target, deployment, request, nowMs);
    return undefined;
  }

  /** Makes room for critical work by refusing the least valuable waiting non-critical request. */
  private shedFor(deployment: Deployment<P>, nowMs: number): boolean {
    let victim: Queued<P> | undefined;
    let owner: ReplicaRuntime<P> | undefined;
    for (const group of deployment.groups) {
      for (const replica of group.members) {
        const candidate = replica.queue.leastValuable();
        if (!candidate || candidate.request.priority === 'critical') continue;
        if (!victim || candidate.request.priority === 'sheddable' && victim.request.priority !== 'sheddable' || candidate.request.deadlineMs > victim.request.deadlineMs && candidate.request.priority === victim.request.priority) {
          victim = candidate;
          owner = replica;
        }
      }
    }
    if (!victim || !owner) return false;
    owner.queue.remove([victim]);
    deployment.queued--;
    this.options.settle(victim.request, refusal('OVERLOADED', `shed to make room for critical traffic on ${deployment.name}`, this.drainSeconds(deployment, nowMs)));
    return true;
  }

  private enqueue(replica: ReplicaRuntime<P>, deployment: Deployment<P>, request: SchedulerRequest<P>, nowMs: number): void {
    replica.noteArrival(request.rows, nowMs, request.priority);
    replica.queue.push({ request, enqueuedAtMs: nowMs, seq: this.nextSeq++ });
    deployment.queued++;
    this.serve(replica, nowMs);
  }

  /** Expires overdue requests, starts a batch if it is time, and books the next wake-up. */
  private serve(replica: ReplicaRuntime<P>, nowMs: number): void {
    const deployment = this.deployments.get(replica.spec.deployment)!;
    this.expire(replica, deployment, nowMs);
    let wake = Number.POSITIVE_INFINITY;
    while (replica.inFlight.length < replica.depth && replica.state === 'ready' && replica.queue.size > 0) {
      const members = this.nextBatch(replica);
      let rows = 0;
      for (const item of members) rows += item.request.rows;
      // Nothing can join a request that runs alone: waiting for a fuller batch would only delay it.
      const decision = members[0]?.request.batchKey === undefined ? 'now' : this.decide(replica, deployment, members, rows, nowMs);
      const at = Math.max(decision === 'now' ? nowMs : decision, this.stageAt(replica, rows));
      if (at > nowMs) {
        wake = at;
        break;
      }
      this.dispatch(replica, deployment, members, rows, nowMs);
    }
    const next = replica.queue.earliestDeadline();
    if (next) wake = Math.min(wake, next.request.deadlineMs);
    this.book(replica, wake);
  }

  /**
   * Earliest time a batch may go behind the ones in flight. A full batch goes at once; a partial
   * one waits until the last batch in flight is near its end, so it keeps filling meanwhile (no
   * member could start sooner) and later critical work can still go ahead of it.
   */
  private stageAt(replica: ReplicaRuntime<P>, rows: number): number {
    if (replica.inFlight.length === 0 || rows >= replica.spec.maxBatchSize) return Number.NEGATIVE_INFINITY;
    const last = replica.inFlight[replica.inFlight.length - 1]!;
    return replica.busyUntilMs - Math.max(STAGE_LEAD_MS, replica.service.predict(last.rows) / 2);
  }

  private book(replica: ReplicaRuntime<P>, atMs: number): void {
    if (atMs === replica.wakeAtMs) return;
    replica.wakeAtMs = atMs;
    replica.wakeVersion++;
    if (Number.isFinite(atMs)) this.wakeups.push(atMs, replica.index, replica.wakeVersion);
  }

  private expire(replica: ReplicaRuntime<P>, deployment: Deployment<P>, nowMs: number): void {
    for (let item = replica.queue.earliestDeadline(); item && item.request.deadlineMs <= nowMs; item = replica.queue.earliestDeadline()) {
      if (item.request.timeoutAction === 'delay') {
        replica.queue.demote(item);
        continue;
      }
      replica.queue.remove([item]);
      deployment.queued--;
      this.options.settle(item.request, refusal('DEADLINE_EXCEEDED', `the deadline passed after ${(nowMs - item.request.arrivalMs).toFixed(1)} ms in the queue`, this.drainSeconds(deployment, nowMs)));
    }
  }

  /** The next batch: the head request and those behind it with the same key, up to the max size. */
  private nextBatch(replica: ReplicaRuntime<P>): Queued<P>[] {
    const head = replica.queue.head();
    if (!head) return [];
    if (head.request.batchKey === undefined) return [head];
    const members: Queued<P>[] = [];
    let rows = 0;
    const max = replica.spec.maxBatchSize;
    for (const level of replica.queue.byLevel) {
      for (const item of level) {
        if (item.request.batchKey !== head.request.batchKey) continue;
        if (rows + item.request.rows > max) return members;
        members.push(item);
        rows += item.request.rows;
        if (rows === max) return members;
      }
    }
    return members;
  }

  private decide(replica: ReplicaRuntime<P>, deployment: Deployment<P>, members: readonly Queued<P>[], rows: number, nowMs: number): 'now' | number {
    let oldest = Number.POSITIVE_INFINITY;
    let earliest = Number.POSITIVE_INFINITY;
    let hasRealtime = false;
    for (const item of members) {
      oldest = Math.min(oldest, item.enqueuedAtMs);
      earliest = Math.min(earliest, item.request.deadlineMs);
      hasRealtime ||= item.request.latencyClass === 'realtime';
    }
    return decideBatch(deployment.config.batching, {
      nowMs,
      rows,
      maxBatchSize: replica.spec.maxBatchSize,
      oldestEnqueuedAtMs: oldest,
      hasRealtime,
      earliestDeadlineMs: earliest,
      latencyClass: hasRealtime ? 'realtime' : 'throughput',
      arrivalRowsPerMs: replica.arrivalRowsPerMs(nowMs),
      service: replica.service,
    });
  }

  private dispatch(replica: ReplicaRuntime<P>, deployment: Deployment<P>, members: readonly Queued<P>[], rows: number, nowMs: number): void {
    if (members.length === 0) return;
    replica.queue.remove(members);
    deployment.queued -= members.length;
    const batch: Batch<P> = { id: this.nextBatchId++, replica: replica.spec, requests: members.map((m) => m.request), rows, dispatchedAtMs: nowMs };
    replica.busyUntilMs = (replica.inFlight.length > 0 ? Math.max(nowMs, replica.busyUntilMs) : nowMs) + replica.service.predict(rows);
    replica.inFlight.push(batch);
    replica.inFlightRequests += batch.requests.length;
    this.running.set(batch.id, replica);
    this.options.runtime.execute(batch);
  }

  /** The runtime finished a batch: settle its requests, learn its speed, serve what waits. */
  complete(batchId: number, nowMs: number, result: BatchResult): void {
    const replica = this.running.get(batchId);
    if (!replica) return;
    // Batches mostly complete in dispatch order: the first is the usual one.
    const index = replica.inFlight[0]?.id === batchId ? 0 : replica.inFlight.findIndex((b) => b.id === batchId);
    if (index < 0) return;
    const batch = replica.inFlight[index]!;
    if (index === 0) replica.inFlight.shift();
    else replica.inFlight.splice(index, 1);
    replica.inFlightRequests -= batch.requests.length;
    this.running.delete(batchId);
    // A finished batch is proof of life: the replica's load is known as of now.
    replica.lastReportMs = nowMs;
    // What admission must predict is how long the replica is taken, as seen here: compute plus
    // the hand-over to and from its worker or node (a busy event loop stretches it). With a
    // batch staged behind another, its occupancy starts when the one before it completed: two
    // completions seen late together count as one long and one short, which average out.
    const occupiedMs = nowMs - Math.max(batch.dispatchedAtMs, replica.lastCompletedMs);
    replica.lastCompletedMs = nowMs;
    if (result.ok) {
      replica.service.observe(batch.rows, occupiedMs);
      replica.completedBatches++;
      replica.completedRows += batch.rows;
      replica.busyMs += result.computeMs;
    }
    for (const request of batch.requests) {
      const outcome: Outcome = result.ok
        ? { ok: true, replica: replica.spec, batchSize: batch.rows, queueMs: Math.max(0, batch.dispatchedAtMs - request.arrivalMs), computeMs: result.computeMs }
        : refusal(result.code, result.message, result.retryAfterSeconds);
      this.options.settle(request, outcome);
    }
    this.serve(replica, nowMs);
  }

  /** Handles every wake-up due by `nowMs`. */
  advance(nowMs: number): void {
    const current = (index: number, version: number): boolean => this.replicas[index]?.wakeVersion === version;
    for (let entry = this.wakeups.peek(current); entry && entry.atMs <= nowMs; entry = this.wakeups.peek(current)) {
      this.wakeups.pop();
      const replica = this.replicas[entry.replica]!;
      replica.wakeAtMs = Number.POSITIVE_INFINITY;
      this.serve(replica, nowMs);
    }
  }

  /** When `advance` next has work; Infinity when nothing waits on time. */
  nextWakeupMs(): number {
    return this.wakeups.peek((index, version) => this.replicas[index]?.wakeVersion === version)?.atMs ?? Number.POSITIVE_INFINITY;
  }

  /** Per-replica counters, for metrics and the simulator's report. */
  replicaStats(): { spec: ReplicaSpec; state: ReplicaState; queued: number; running: number; completedBatches: number; completedRows: number; busyMs: number }[] {
    return this.replicas.map((r) => ({
      spec: r.spec,
      state: r.state,
      queued: r.queue.size,
      running: r.inFlightRequests,
      completedBatches: r.completedBatches,
      completedRows: r.completedRows,
      busyMs: r.busyMs,
    }));
  }

  queuedFor(deployment: string): number {
    return this.deployments.get(deployment)?.queued ?? 0;
  }
}

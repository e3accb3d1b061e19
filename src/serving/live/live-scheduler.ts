/**
 * The live host of the pure scheduler: one timer armed at its next wake-up, replicas backed by
 * backends (ONNX worker instances, upstream endpoints, simulated devices) here or by remote
 * nodes (added and removed as placement changes), batches merged from requests and cut back
 * into per-request outputs. Failed batches feed outlier detection; a batch lost with its node is
 * retried once elsewhere under a retry budget. Every request is answered exactly once: `answer`
 * refuses a second settle.
 */
import { deploymentName } from '../../core/deployment-name.js';
import type { Clock } from '../../core/clock.js';
import type { ModelContract } from '../../core/contract.js';
import type { ServerConfig } from '../../core/config.js';
import type { TensorMap } from '../../core/tensor.js';
import { BackendError, URGENT, type Backend, type BackendDescription } from '../../runtime/backend.js';
import type { Tier } from '../../core/tiers.js';
import { NodeLostError } from '../../runtime/remote/remote-backend.js';
import type { OutlierDetector } from './outlier-detector.js';
import type { RetryBudget } from './retry-budget.js';
import { Scheduler } from '../../scheduler/scheduler.js';
import type { Batch, Outcome, Refused, ReplicaSpec, ReplicaState, SchedulerRequest } from '../../scheduler/types.js';
import type { Logger } from '../../telemetry/logger.js';
import type { DeploymentLoad, SchedulingMetrics } from '../../telemetry/scheduling-metrics.js';
import { NO_SLO_SIGNALS, type SloSignals } from '../../telemetry/slo/slo-signals.js';
import { NO_TRACING, type BatchSpan, type RequestSpan, type Tracing } from '../../telemetry/tracing/tracing.js';
import type { ReplicaInfo, ReplicaMetrics } from '../../telemetry/replica-metrics.js';
import type { CostLedger } from '../../telemetry/cost/cost-ledger.js';
import type { ServedVersion } from '../model-catalog.js';
import type { SchedulingHints } from '../scheduling-hints.js';
import { batchKeyOf, mergeInputs, sliceOutput } from './batch-tensors.js';
import { ownReplicas, type ReplicaPlan } from './replica-plans.js';
import { Ejections } from './ejections.js';


function isCritical(request: SchedulerRequest<unknown>): boolean {
  return request.priority === 'critical';
}

export interface LiveServed {
  readonly ok: true;
  readonly outputs: TensorMap;
  readonly replica: ReplicaSpec;
  /** The backend of the replica that ran it: its kind, class, device, simulated or not. */
  readonly description: BackendDescription;
  readonly batchSize: number;
  readonly queueMs: number;
  readonly computeMs: number;
}
export type LiveOutcome = LiveServed | Refused;

interface Payload {
  readonly inputs: TensorMap;
  readonly outputNames: readonly string[];
  readonly resolve: (outcome: LiveOutcome) => void;
  /** Filled in when the batch returns, before the scheduler settles the request. */
  outputs: TensorMap | undefined;
  backendQueueMs: number;
  /** The request's span when tracing is on. */
  readonly span: RequestSpan | undefined;
  /** Set once the caller has its answer; a second answer is counted and dropped. */
  answered: boolean;
  /** The last batch failed because its node was lost: the request may be retried once. */
  lost: boolean;
  retried: boolean;
}

/** Outlier detection and the retry budget; both optional (off in plain `up`). */
export interface Resilience {
  readonly outliers: OutlierDetector;
  readonly retryBudget: RetryBudget;
}

export interface ResilienceStats {
  retries: number;
  retriesRefused: number;
  ejections: number;
  /** Settles that arrived for an already answered request: must stay 0. */
  duplicateAnswers: number;
}

interface Deployed {
  readonly model: string;
  readonly version: string;
  /** Each replica's backend, by replica id. */
  readonly backends: Map<string, Backend>;
  readonly contract: ModelContract;
  readonly batchable: boolean;
  /** Admitted and not yet answered. */
  inFlight: number;
  /** Called when inFlight falls to 0 (an unload waiting for the version to drain). */
  onIdle: (() => void) | undefined;
  /** The tier traffic stays in unless it bursts to the cloud; undefined when every replica is in the cloud. */
  readonly homeTier: Tier | undefined;
}

/** Everything the live host is built with; only the clock and the logger are required. */
export interface LiveSchedulerOptions {
  readonly clock: Clock;
  readonly log: Logger;
  /** Load reports older than this make a replica look saturated; in a cluster, a few heartbeat intervals. @default Infinity */
  readonly staleAfterMs?: number;
  /** Queue and compute metrics; they may read queue depths back from this host (called only when scraped). */
  readonly metrics?: SchedulingMetrics;
  readonly replicaMetrics?: ReplicaMetrics;
  /** Burning error budgets ask admission to shed sheddable traffic through these signals. @default none */
  readonly sloSignals?: SloSignals;
  /** @default NO_TRACING */
  readonly tracing?: Tracing;
  /** Outlier ejection and the retry budget (a cluster); without it a failed batch is not retried. */
  readonly resilience?: Resilience;
  /** Every batch's compute time becomes busy time of its node in this ledger. */
  readonly costLedger?: CostLedger;
}

export class LiveScheduler {
  private readonly scheduler: Scheduler<Payload>;
  private readonly deployed = new Map<string, Deployed>();
  private timer: NodeJS.Timeout | undefined;
  private armedAt = Number.POSITIVE_INFINITY;
  private nextId = 1;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly metrics: SchedulingMetrics | undefined;
  private readonly slo: SloSignals;
  private readonly tracing: Tracing;
  private readonly replicaMetrics: ReplicaMetrics | undefined;
  /** The state a replica's host wants (node and agent health); ejection may hold it failed. */
  private readonly ejections: Ejections;
  private readonly resilience: Resilience | undefined;
  readonly stats: ResilienceStats = { retries: 0, retriesRefused: 0, ejections: 0, duplicateAnswers: 0 };

  /** Replicas run by this process, whose load is always current. */
  private readonly localReplicas: string[] = [];
  private readonly ledger: CostLedger | undefined;

  constructor(options: LiveSchedulerOptions) {
    this.clock = options.clock;
    this.log = options.log;
    this.metrics = options.metrics;
    this.replicaMetrics = options.replicaMetrics;
    this.slo = options.sloSignals ?? NO_SLO_SIGNALS;
    this.tracing = options.tracing ?? NO_TRACING;
    this.resilience = options.resilience;
    this.ejections = new Ejections(this.clock, this.resilience?.outliers, (replicaId) => {
      this.scheduler.setReplicaState(replicaId, this.ejections.effective(replicaId), this.clock.now());
      this.rearm();
    });
    this.ledger = options.costLedger;
    const staleAfterMs = options.staleAfterMs ?? Number.POSITIVE_INFINITY;
    this.scheduler = new Scheduler<Payload>({
      runtime: { execute: (batch) => this.execute(batch) },
      settle: (request, outcome) => this.settle(request, outcome),
      router: 'deadline-cost',
      cloudIsBurst: true,
      staleAfterMs,
    });
  }

  /** A replica's node reported (a heartbeat): its load is known as of now. */
  report(replicaId: string): void {
    this.scheduler.report(replicaId, this.clock.now());
  }

  /** Local replicas are always current; the cluster's failure detector calls this on every tick. */
  reportLocal(): void {
    const now = this.clock.now();
    for (const id of this.localReplicas) this.scheduler.report(id, now);
  }

  /** Waiting and in-flight requests per deployed version, for the load gauges. */
  *load(): Generator<DeploymentLoad> {
    for (const [deployment, { model, version, inFlight }] of this.deployed) yield { model, version, depth: this.scheduler.queuedFor(deployment), inFlight };
  }

  /** Every replica with what it runs on, for the info metric and the metadata routes. */
  *replicaInfo(): Generator<ReplicaInfo> {
    for (const stats of this.scheduler.replicaStats()) {
      const { spec } = stats;
      const deployed = this.deployed.get(spec.deployment);
      if (!deployed) continue;
      const backend = deployed.backends.get(spec.id);
      yield { model: deployed.model, version: deployed.version, replica: spec.id, node: spec.node, hardwareClass: spec.hardwareClass, tier: spec.tier, backend: backend?.describe().kind ?? 'onnx', simulated: spec.simulated, state: stats.state };
    }
  }

  /**
   * Makes a READY version schedulable: its own replicas (ONNX instances or upstream endpoints,
   * unless `localReplicas` is false because replicas run only on nodes) plus any `extra` ones
   * (declared, simulated devices). `localCostPerHour` is this node's price (hardware catalog or
   * cost.node_cost_per_hour): the router weighs it and the cost ledger attributes it.
   */
  addVersion(served: ServedVersion, config: ServerConfig, extra: readonly ReplicaPlan[] = [], localReplicas = true, localCostPerHour = 0): void {
    const { backend, config: modelConfig } = served;
    if (!backend || !modelConfig) return;
    const deployment = deploymentName(served);
    if (this.deployed.has(deployment)) return;
    const contract = modelConfig.contract;
    const plans = [...(localReplicas ? ownReplicas(backend, config, modelConfig.upstream, localCostPerHour) : []), ...extra];
    // Requests batch together only if every output can be cut back apart along a batch axis,
    // and every backend takes merged batches (an upstream usually batches on its own).
    const batchable = contract.maxBatchSize > 0 && contract.outputs.every((o) => o.batchAxis !== undefined) && plans.every((p) => p.backend.describe().mergesBatches !== false);
    const backends = new Map<string, Backend>();
    const homeTier = plans.find((p) => p.tier === 'onprem')?.tier ?? plans.find((p) => p.tier !== 'cloud')?.tier;
    this.deployed.set(deployment, { model: served.model, version: served.version, backends, contract, batchable, homeTier, inFlight: 0, onIdle: undefined });
    this.scheduler.addDeployment(deployment, {
      maxQueue: config.maxQueuePerModel,
      admission: 'predictive',
      batching: modelConfig.batching,
    });
    plans.forEach((plan, i) => {
      const device = plan.backend.describe();
      const id = `${deployment}#${i}`;
      backends.set(id, plan.backend);
      this.localReplicas.push(id);
      this.scheduler.addReplica(
        {
          id,
          deployment,
          node: plan.node,
          hardwareClass: device.hardwareClass,
          device: device.device,
          tier: plan.tier,
          costPerHour: plan.costPerHour,
          memoryBytes: plan.memoryBytes,
          simulated: device.simulated,
          maxBatchSize: Math.max(1, contract.maxBatchSize),
          serviceTimePrior: plan.serviceTimePrior,
          ...(plan.pipelineDepth === undefined ? {} : { pipelineDepth: plan.pipelineDepth }),
        },
        this.clock.now(),
      );
    });
  }

  /**
   * Takes a version out of scheduling once the requests already admitted for it are answered
   * (the caller stops new ones first: the version is no longer READY), so its backend can be
   * freed and the version added again later.
   */
  async removeVersion(served: ServedVersion): Promise<void> {
    const deployment = deploymentName(served);
    const deployed = this.deployed.get(deployment);
    if (!deployed) return;
    if (deployed.inFlight > 0) {
      await new Promise<void>((resolve) => {
        deployed.onIdle = resolve;
      });
    }
    for (const id of deployed.backends.keys()) {
      this.removeReplica(id);
      const local = this.localReplicas.indexOf(id);
      if (local >= 0) this.localReplicas.splice(local, 1);
    }
    this.deployed.delete(deployment);
    this.scheduler.removeDeployment(deployment);
  }

  /** Adds a replica backed by its own backend (a remote node's), in the given state. */
  addReplica(spec: ReplicaSpec, backend: Backend, state: ReplicaState): void {
    const deployed = this.deployed.get(spec.deployment);
    if (!deployed) throw new Error(`replica ${spec.id}: ${spec.deployment} is not deployed here`);
    deployed.backends.set(spec.id, backend);
    this.ejections.setBase(spec.id, state);
    this.scheduler.addReplica(spec, this.clock.now(), this.ejections.effective(spec.id));
    this.rearm();
  }

  /** The replica's host says it is ready, draining or failed; an ejected replica stays out until its ejection ends. */
  setReplicaState(replicaId: string, state: ReplicaState): void {
    this.ejections.setBase(replicaId, state);
    this.scheduler.setReplicaState(replicaId, this.ejections.effective(replicaId), this.clock.now());
    this.rearm();
  }

  /** The replica's node passed a health check: an ejection in progress ends now. */
  uneject(replicaId: string): void {
    if (!this.ejections.uneject(replicaId)) return;
    this.scheduler.setReplicaState(replicaId, this.ejections.effective(replicaId), this.clock.now());
    this.rearm();
  }

  removeReplica(replicaId: string): void {
    this.scheduler.removeReplica(replicaId, this.clock.now());
    for (const deployed of this.deployed.values()) deployed.backends.delete(replicaId);
    this.ejections.forget(replicaId);
    this.rearm();
  }

  replicaStates(): { id: string; state: ReplicaState; ejected: boolean }[] {
    const now = this.clock.now();
    return this.scheduler.replicaStats().filter((r) => this.ejections.has(r.spec.id)).map((r) => ({ id: r.spec.id, state: r.state, ejected: this.ejections.isEjected(r.spec.id, now) }));
  }

  /** Admission's early word from the headers alone (see Scheduler.peek); deadline in ms from now. */
  peek(served: ServedVersion, priority: SchedulingHints['priority'], deadlineInMs: number): Refused | undefined {
    const now = this.clock.now();
    return this.scheduler.peek(deploymentName(served), priority, now + deadlineInMs, now);
  }

  submit(served: ServedVersion, inputs: TensorMap, outputNames: readonly string[], rows: number, hints: SchedulingHints, span?: RequestSpan): Promise<LiveOutcome> {
    const deployment = deploymentName(served);
    const deployed = this.deployed.get(deployment);
    if (hints.priority === 'sheddable') {
      const state = this.slo.sloState(deployment, hints.latencyClass);
      if (state.shed) {
        if (span) span.admission(this.clock.now(), this.clock.now(), 'SLO_SHEDDING');
        return Promise.resolve({ ok: false, code: 'SLO_SHEDDING', message: `sheddable traffic to ${deployment} is refused while its error budget burns (${state.reason ?? 'SLO'})`, retryAfterSeconds: state.retryAfterSeconds });
      }
    }
    const now = this.clock.now();
    const id = this.nextId++;
    return new Promise<LiveOutcome>((outerResolve) => {
      if (deployed) deployed.inFlight++;
      const resolve = deployed
        ? (outcome: LiveOutcome): void => {
            if (--deployed.inFlight === 0) deployed.onIdle?.();
            outerResolve(outcome);
          }
        : outerResolve;
      const request: SchedulerRequest<Payload> = {
        id,
        deployment,
        arrivalMs: now,
        priority: hints.priority,
        latencyClass: hints.latencyClass,
        deadlineMs: now + hints.deadlineMs,
        timeoutAction: hints.timeoutAction,
        rows,
        batchKey: deployed && batchKeyOf(inputs, deployed.contract.inputs, deployed.batchable),
        hints: hints.hints,
        payload: { inputs, outputNames, resolve, outputs: undefined, backendQueueMs: 0, span, answered: false, lost: false, retried: false },
      };
      this.resilience?.retryBudget.noteRequest(now);
      const refused = this.scheduler.submit(request, now);
      if (span) span.admission(now, this.clock.now(), refused?.code);
      if (refused) resolve(refused);
      this.rearm();
    });
  }

  private execute(batch: Batch<Payload>): void {
    const deployed = this.deployed.get(batch.replica.deployment);
    const backend = deployed?.backends.get(batch.replica.id);
    if (!deployed || !backend) {
      queueMicrotask(() => this.finish(batch, { ok: false, code: 'MODEL_NOT_READY', message: `${batch.replica.deployment} is no longer deployed` }));
      return;
    }
    const batchSpan = this.traceBatch(batch);
    const { requests } = batch;
    const single = requests.length === 1 ? requests[0]!.payload : undefined;
    const inputs = single ? single.inputs : mergeInputs(requests.map((r) => r.payload.inputs), deployed.contract.inputs);
    const names = single ? single.outputNames : [...new Set(requests.flatMap((r) => r.payload.outputNames))];
    // Critical work lets a lowered compute thread compete with the event loop (see UrgencyBoost).
    backend.run(inputs, names, requests.some(isCritical) ? URGENT : undefined).then(
      (result) => {
        let start = 0;
        for (const request of requests) {
          const outputs: TensorMap = Object.create(null) as TensorMap;
          for (const name of request.payload.outputNames) {
            const tensor = result.outputs[name];
            const axis = single ? undefined : deployed.contract.outputs.find((o) => o.name === name)?.batchAxis;
            if (tensor) outputs[name] = axis === undefined ? tensor : sliceOutput(tensor, axis, start, request.rows);
          }
          request.payload.outputs = outputs;
          request.payload.backendQueueMs = result.queueMs;
          start += request.rows;
        }
        this.metrics?.observeBatch({ model: deployed.model, version: deployed.version, hardwareClass: batch.replica.hardwareClass, rows: batch.rows, computeSeconds: result.computeMs / 1000 });
        if (batchSpan) this.endBatchSpan(batch, batchSpan, true);
        this.ejections.success(batch.replica.id);
        this.ledger?.recordBatch({ model: deployed.model, version: deployed.version, hardwareClass: batch.replica.hardwareClass, node: batch.replica.node }, result.computeMs / 1000, batch.rows);
        this.finish(batch, { ok: true, computeMs: result.computeMs });
      },
      (error: unknown) => {
        const lost = error instanceof NodeLostError;
        this.log.error({ err: error, replica: batch.replica.id, node: batch.replica.node, batch_size: batch.rows }, lost ? 'batch lost with its node' : 'batch failed');
        if (batchSpan) this.endBatchSpan(batch, batchSpan, false);
        this.noteFailure(batch.replica, lost);
        if (lost) {
          for (const request of batch.requests) request.payload.lost = true;
          this.finish(batch, { ok: false, code: 'REPLICA_FAILED', message: `replica ${batch.replica.id} on node ${batch.replica.node} was lost during the batch` });
        } else if (error instanceof BackendError && error.code !== undefined) {
          // A backend may name a catalogue code with a caller-safe message (an upstream's refusal or outage).
          this.finish(batch, { ok: false, code: error.code, message: error.publicMessage ?? 'the backend failed on this batch', retryAfterSeconds: error.retryAfterSeconds });
        } else {
          this.finish(batch, { ok: false, code: 'INFERENCE_FAILED', message: 'the backend failed on this batch' });
        }
      },
    );
  }

  /** The batch span and each member's queue span; nothing at all when no member is traced. */
  private traceBatch(batch: Batch<Payload>): BatchSpan | undefined {
    let spans: RequestSpan[] | undefined;
    for (const request of batch.requests) {
      const span = request.payload.span;
      if (!span) continue;
      (spans ??= []).push(span);
      span.queued(request.arrivalMs, batch.dispatchedAtMs);
    }
    if (!spans) return undefined;
    const { replica } = batch;
    return this.tracing.startBatch(spans, { replica: replica.id, hardwareClass: replica.hardwareClass, node: replica.node, rows: batch.rows, simulated: replica.simulated }, batch.dispatchedAtMs);
  }

  private endBatchSpan(batch: Batch<Payload>, batchSpan: BatchSpan, ok: boolean): void {
    const now = this.clock.now();
    for (const request of batch.requests) request.payload.span?.computed(batch.dispatchedAtMs, now, batchSpan, ok);
    batchSpan.end(now, ok);
  }

  /** Counts a failed batch toward ejection; an ejected replica takes no work until its ejection ends. */
  private noteFailure(replica: ReplicaSpec, lost: boolean): void {
    const ejection = this.ejections.failure(replica.id, lost);
    if (!ejection) return;
    this.stats.ejections++;
    this.log.warn({ replica: replica.id, node: replica.node, ejections: ejection.count, until_ms: Math.round(ejection.untilMs - this.clock.now()) }, 'replica ejected');
    this.scheduler.setReplicaState(replica.id, this.ejections.effective(replica.id), this.clock.now());
  }

  /** Answers the caller exactly once. */
  private answer(payload: Payload, outcome: LiveOutcome): void {
    if (payload.answered) {
      this.stats.duplicateAnswers++;
      this.log.error({ outcome: outcome.ok ? 'ok' : outcome.code }, 'a request was settled twice; the second answer was dropped');
      return;
    }
    payload.answered = true;
    payload.resolve(outcome);
  }

  /**
   * A request whose batch was lost with its node goes back to the scheduler once, if its deadline
   * and the retry budget allow; the scheduler's admission then checks the deadline against the
   * replicas left. Returns false when it was not retried.
   */
  private retry(request: SchedulerRequest<Payload>): boolean {
    const { payload } = request;
    if (!payload.lost || payload.retried || !this.resilience) return false;
    const now = this.clock.now();
    if (request.deadlineMs <= now || !this.resilience.retryBudget.tryRetry(now)) {
      this.stats.retriesRefused++;
      return false;
    }
    payload.retried = true;
    payload.lost = false;
    const again: SchedulerRequest<Payload> = { ...request, id: this.nextId++ };
    const refused = this.scheduler.submit(again, now);
    if (refused) {
      this.stats.retriesRefused++;
      this.answer(payload, { ok: false, code: 'REPLICA_FAILED', message: `the node running this request was lost and no other replica could take it in time: ${refused.message}`, retryAfterSeconds: Math.max(1, refused.retryAfterSeconds ?? 1) });
      return true;
    }
    this.stats.retries++;
    this.rearm();
    return true;
  }

  private finish(batch: Batch<Payload>, result: Parameters<Scheduler<Payload>['complete']>[2]): void {
    this.scheduler.complete(batch.id, this.clock.now(), result);
    this.rearm();
  }

  private settle(request: SchedulerRequest<Payload>, outcome: Outcome): void {
    const { payload } = request;
    if (!outcome.ok) {
      if (outcome.code === 'REPLICA_FAILED' && this.retry(request)) return;
      this.answer(payload, outcome.code === 'REPLICA_FAILED' ? { ...outcome, retryAfterSeconds: outcome.retryAfterSeconds ?? 1 } : outcome);
      return;
    }
    const deployed = this.deployed.get(request.deployment);
    this.metrics?.observeRequest(
      deployed?.model ?? request.deployment,
      deployed?.version ?? '',
      outcome.replica.hardwareClass,
      request.latencyClass,
      (outcome.queueMs + payload.backendQueueMs) / 1000,
      outcome.computeMs / 1000,
    );
    const backend = deployed?.backends.get(outcome.replica.id);
    if (deployed?.homeTier !== undefined && outcome.replica.tier === 'cloud') this.replicaMetrics?.observeBurst(deployed.model, deployed.version, deployed.homeTier, 'cloud');
    this.answer(payload, {
      ok: true,
      outputs: payload.outputs ?? (Object.create(null) as TensorMap),
      replica: outcome.replica,
      description: backend ? backend.describe() : { kind: 'onnx', hardwareClass: outcome.replica.hardwareClass, device: outcome.replica.device, simulated: outcome.replica.simulated },
      batchSize: outcome.batchSize,
      queueMs: outcome.queueMs + payload.backendQueueMs,
      computeMs: outcome.computeMs,
    });
  }

  /** Keeps exactly one timer, at the scheduler's next wake-up. */
  private rearm(): void {
    const next = this.scheduler.nextWakeupMs();
    if (next === this.armedAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedAt = next;
    if (!Number.isFinite(next)) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.armedAt = Number.POSITIVE_INFINITY;
      this.scheduler.advance(this.clock.now());
      this.rearm();
    }, Math.max(0, next - this.clock.now()));
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.ejections.close();
  }
}

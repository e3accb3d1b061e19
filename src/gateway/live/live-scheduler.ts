/**
 * The live host of the pure scheduler: one timer armed at its next wake-up, replicas backed by
 * ONNX worker instances here or by remote nodes (added and removed as placement changes),
 * batches merged from requests and cut back into per-request outputs. Failed batches feed
 * outlier detection; a batch lost with its node is retried once elsewhere under a retry budget.
 * Every request is answered exactly once: `answer` refuses a second settle.
 */
import { totalmem } from 'node:os';
import type { Clock } from '../../core/clock.js';
import type { ModelContract } from '../../core/contract.js';
import type { ServerConfig } from '../../core/config.js';
import type { TensorMap } from '../../core/tensor.js';
import type { Backend } from '../../runtime/backend.js';
import { NodeLostError } from '../../runtime/remote/remote-backend.js';
import type { OutlierDetector } from '../../control/outlier-detector.js';
import type { RetryBudget } from '../../control/retry-budget.js';
import { Scheduler } from '../../scheduler/scheduler.js';
import type { Batch, Outcome, Refused, ReplicaSpec, ReplicaState, SchedulerRequest } from '../../scheduler/types.js';
import type { Logger } from '../../telemetry/logger.js';
import type { SchedulingMetrics } from '../../telemetry/scheduling-metrics.js';
import type { ServedVersion } from '../model-catalog.js';
import type { SchedulingHints } from '../oip/scheduling-hints.js';
import { batchKeyOf, mergeInputs, sliceOutput } from './batch-tensors.js';

export interface LiveServed {
  readonly ok: true;
  readonly outputs: TensorMap;
  readonly replica: ReplicaSpec;
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
  readonly backend: Backend;
  readonly contract: ModelContract;
  readonly batchable: boolean;
}

export const LOCAL_NODE = 'local';

export class LiveScheduler {
  private readonly scheduler: Scheduler<Payload>;
  private readonly deployed = new Map<string, Deployed>();
  private timer: NodeJS.Timeout | undefined;
  private armedAt = Number.POSITIVE_INFINITY;
  private nextId = 1;
  private metrics: SchedulingMetrics | undefined;
  /** Backends of replicas that are not the version's own (remote nodes). */
  private readonly replicaBackends = new Map<string, Backend>();
  /** The state a replica's host wants (node and agent health); ejection may hold it failed. */
  private readonly baseStates = new Map<string, ReplicaState>();
  private readonly readmitTimers = new Map<string, NodeJS.Timeout>();
  private resilience: Resilience | undefined;
  readonly stats: ResilienceStats = { retries: 0, retriesRefused: 0, ejections: 0, duplicateAnswers: 0 };

  /** Replicas run by this process, whose load is always current. */
  private readonly localReplicas: string[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly log: Logger,
    /** Load reports older than this make a replica look saturated; in a cluster, a few heartbeat intervals. */
    staleAfterMs = Number.POSITIVE_INFINITY,
  ) {
    this.scheduler = new Scheduler<Payload>({
      runtime: { execute: (batch) => this.execute(batch) },
      settle: (request, outcome) => this.settle(request, outcome),
      router: 'ours',
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

  /** Metrics come after construction: they read queue depths back from this scheduler. */
  useMetrics(metrics: SchedulingMetrics): void {
    this.metrics = metrics;
  }

  useResilience(resilience: Resilience): void {
    this.resilience = resilience;
  }

  /** Waiting requests per deployed version, for the queue-depth gauge. */
  *queueDepths(): Generator<{ model: string; version: string; depth: number }> {
    for (const [deployment, { model, version }] of this.deployed) yield { model, version, depth: this.scheduler.queuedFor(deployment) };
  }

  static deploymentOf(served: { model: string; version: string }): string {
    return `${served.model}:${served.version}`;
  }

  /** Makes a READY version schedulable: one replica per backend instance (none when replicas run only on nodes). */
  addVersion(served: ServedVersion, config: ServerConfig, localReplicas = true): void {
    const { backend, config: modelConfig } = served;
    if (!backend || !modelConfig) return;
    const deployment = LiveScheduler.deploymentOf(served);
    if (this.deployed.has(deployment)) return;
    const contract = modelConfig.contract;
    // Requests batch together only if every output can be cut back apart along a batch axis.
    const batchable = contract.maxBatchSize > 0 && contract.outputs.every((o) => o.batchAxis !== undefined);
    this.deployed.set(deployment, { model: served.model, version: served.version, backend, contract, batchable });
    this.scheduler.addDeployment(deployment, {
      maxQueue: config.maxQueuePerModel,
      admission: 'predictive',
      batching: modelConfig.batching,
    });
    const device = backend.describe();
    for (let i = 0; localReplicas && i < config.onnx.instances; i++) {
      this.localReplicas.push(`${deployment}#${i}`);
      this.scheduler.addReplica(
        {
          id: `${deployment}#${i}`,
          deployment,
          node: LOCAL_NODE,
          hardwareClass: device.hardwareClass,
          device: device.device,
          tier: 'onprem',
          // Costs come from the hardware catalog in a later step; a local CPU is counted as free.
          costPerHour: 0,
          memoryBytes: totalmem(),
          simulated: device.simulated,
          maxBatchSize: Math.max(1, contract.maxBatchSize),
          serviceTimePrior: { baseMs: 1, perRowMs: 0.05 },
        },
        this.clock.now(),
      );
    }
  }

  /** Adds a replica backed by its own backend (a remote node's), in the given state. */
  addReplica(spec: ReplicaSpec, backend: Backend, state: ReplicaState): void {
    if (!this.deployed.has(spec.deployment)) throw new Error(`replica ${spec.id}: ${spec.deployment} is not deployed here`);
    this.replicaBackends.set(spec.id, backend);
    this.baseStates.set(spec.id, state);
    this.scheduler.addReplica(spec, this.clock.now(), this.effectiveState(spec.id));
    this.rearm();
  }

  /** The replica's host says it is ready, draining or failed; an ejected replica stays out until its ejection ends. */
  setReplicaState(replicaId: string, state: ReplicaState): void {
    this.baseStates.set(replicaId, state);
    this.scheduler.setReplicaState(replicaId, this.effectiveState(replicaId), this.clock.now());
    this.rearm();
  }

  /** The replica's node passed a health check: an ejection in progress ends now. */
  uneject(replicaId: string): void {
    if (!this.resilience?.outliers.isEjected(replicaId, this.clock.now())) return;
    this.resilience.outliers.uneject(replicaId, this.clock.now());
    const timer = this.readmitTimers.get(replicaId);
    if (timer) clearTimeout(timer);
    this.readmitTimers.delete(replicaId);
    this.scheduler.setReplicaState(replicaId, this.effectiveState(replicaId), this.clock.now());
    this.rearm();
  }

  removeReplica(replicaId: string): void {
    this.scheduler.removeReplica(replicaId, this.clock.now());
    this.replicaBackends.delete(replicaId);
    this.baseStates.delete(replicaId);
    this.resilience?.outliers.forget(replicaId);
    const timer = this.readmitTimers.get(replicaId);
    if (timer) clearTimeout(timer);
    this.readmitTimers.delete(replicaId);
    this.rearm();
  }

  replicaStates(): { id: string; state: ReplicaState; ejected: boolean }[] {
    const now = this.clock.now();
    return this.scheduler.replicaStats().filter((r) => this.baseStates.has(r.spec.id)).map((r) => ({ id: r.spec.id, state: r.state, ejected: this.resilience?.outliers.isEjected(r.spec.id, now) ?? false }));
  }

  private effectiveState(replicaId: string): ReplicaState {
    const base = this.baseStates.get(replicaId) ?? 'ready';
    return base === 'ready' && this.resilience?.outliers.isEjected(replicaId, this.clock.now()) ? 'failed' : base;
  }

  submit(served: ServedVersion, inputs: TensorMap, outputNames: readonly string[], rows: number, hints: SchedulingHints): Promise<LiveOutcome> {
    const deployment = LiveScheduler.deploymentOf(served);
    const deployed = this.deployed.get(deployment);
    const now = this.clock.now();
    const id = this.nextId++;
    return new Promise<LiveOutcome>((resolve) => {
      const request: SchedulerRequest<Payload> = {
        id,
        deployment,
        arrivalMs: now,
        priority: hints.priority,
        latencyClass: hints.latencyClass,
        deadlineMs: now + hints.deadlineMs,
        timeoutAction: hints.timeoutAction,
        rows,
        batchKey: (deployed && batchKeyOf(inputs, deployed.contract.inputs, deployed.batchable)) ?? `solo:${id}`,
        hints: hints.hints,
        payload: { inputs, outputNames, resolve, outputs: undefined, backendQueueMs: 0, answered: false, lost: false, retried: false },
      };
      this.resilience?.retryBudget.noteRequest(now);
      const refused = this.scheduler.submit(request, now);
      if (refused) resolve(refused);
      this.rearm();
    });
  }

  private execute(batch: Batch<Payload>): void {
    const deployed = this.deployed.get(batch.replica.deployment);
    if (!deployed) {
      queueMicrotask(() => this.finish(batch, { ok: false, code: 'MODEL_NOT_READY', message: `${batch.replica.deployment} is no longer deployed` }));
      return;
    }
    const backend = this.replicaBackends.get(batch.replica.id) ?? deployed.backend;
    const members = batch.requests.map((r) => r.payload);
    const inputs = mergeInputs(members.map((m) => m.inputs), deployed.contract.inputs);
    const names = [...new Set(members.flatMap((m) => m.outputNames))];
    backend.run(inputs, names).then(
      (result) => {
        let start = 0;
        for (const request of batch.requests) {
          const outputs: TensorMap = Object.create(null) as TensorMap;
          for (const name of request.payload.outputNames) {
            const tensor = result.outputs[name];
            const axis = deployed.contract.outputs.find((o) => o.name === name)?.batchAxis;
            if (tensor) outputs[name] = axis === undefined ? tensor : sliceOutput(tensor, axis, start, request.rows);
          }
          request.payload.outputs = outputs;
          request.payload.backendQueueMs = result.queueMs;
          start += request.rows;
        }
        this.metrics?.observeBatch({ model: deployed.model, version: deployed.version, hardwareClass: batch.replica.hardwareClass, rows: batch.rows, computeSeconds: result.computeMs / 1000 });
        this.resilience?.outliers.success(batch.replica.id, this.clock.now());
        this.finish(batch, { ok: true, computeMs: result.computeMs });
      },
      (error: unknown) => {
        const lost = error instanceof NodeLostError;
        this.log.error({ err: error, replica: batch.replica.id, node: batch.replica.node, batch_size: batch.rows }, lost ? 'batch lost with its node' : 'batch failed');
        this.noteFailure(batch.replica, lost);
        if (lost) {
          for (const request of batch.requests) request.payload.lost = true;
          this.finish(batch, { ok: false, code: 'REPLICA_FAILED', message: `replica ${batch.replica.id} on node ${batch.replica.node} was lost during the batch` });
        } else {
          this.finish(batch, { ok: false, code: 'INFERENCE_FAILED', message: 'the backend failed on this batch' });
        }
      },
    );
  }

  /** Counts a failed batch toward ejection; an ejected replica takes no work until its ejection ends. */
  private noteFailure(replica: ReplicaSpec, lost: boolean): void {
    if (!this.resilience) return;
    const ejection = this.resilience.outliers.failure(replica.id, this.clock.now(), lost);
    if (!ejection) return;
    this.stats.ejections++;
    this.log.warn({ replica: replica.id, node: replica.node, ejections: ejection.count, until_ms: Math.round(ejection.untilMs - this.clock.now()) }, 'replica ejected');
    this.scheduler.setReplicaState(replica.id, this.effectiveState(replica.id), this.clock.now());
    const previous = this.readmitTimers.get(replica.id);
    if (previous) clearTimeout(previous);
    const timer = setTimeout(() => {
      this.readmitTimers.delete(replica.id);
      this.scheduler.setReplicaState(replica.id, this.effectiveState(replica.id), this.clock.now());
      this.rearm();
    }, Math.max(0, ejection.untilMs - this.clock.now()) + 1);
    timer.unref();
    this.readmitTimers.set(replica.id, timer);
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
    this.metrics?.observeQueue(
      deployed?.model ?? request.deployment,
      deployed?.version ?? '',
      outcome.replica.hardwareClass,
      request.latencyClass,
      (outcome.queueMs + payload.backendQueueMs) / 1000,
    );
    this.answer(payload, {
      ok: true,
      outputs: payload.outputs ?? (Object.create(null) as TensorMap),
      replica: outcome.replica,
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
    for (const timer of this.readmitTimers.values()) clearTimeout(timer);
    this.readmitTimers.clear();
  }
}

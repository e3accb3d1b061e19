/**
 * The live host of the pure scheduler: one timer armed at its next wake-up, replicas backed by
 * ONNX worker instances, batches merged from requests and cut back into per-request outputs.
 */
import { totalmem } from 'node:os';
import type { Clock } from '../../core/clock.js';
import type { ModelContract } from '../../core/contract.js';
import type { ServerConfig } from '../../core/config.js';
import type { TensorMap } from '../../core/tensor.js';
import type { Backend } from '../../runtime/backend.js';
import { Scheduler } from '../../scheduler/scheduler.js';
import type { Batch, Outcome, Refused, ReplicaSpec, SchedulerRequest } from '../../scheduler/types.js';
import type { Logger } from '../../telemetry/logger.js';
import type { DeploymentLoad, SchedulingMetrics } from '../../telemetry/scheduling-metrics.js';
import { NO_SLO_SIGNALS, type SloSignals } from '../../telemetry/slo/slo-signals.js';
import { NO_TRACING, type BatchSpan, type RequestSpan, type Tracing } from '../../telemetry/tracing/tracing.js';
import type { CostLedger } from '../../telemetry/cost/cost-ledger.js';
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
  /** The request's span when tracing is on. */
  readonly span: RequestSpan | undefined;
}

interface Deployed {
  readonly model: string;
  readonly version: string;
  readonly backend: Backend;
  readonly contract: ModelContract;
  readonly batchable: boolean;
  /** Admitted and not yet answered. */
  inFlight: number;
}

export const LOCAL_NODE = 'local';

export class LiveScheduler {
  private readonly scheduler: Scheduler<Payload>;
  private readonly deployed = new Map<string, Deployed>();
  private timer: NodeJS.Timeout | undefined;
  private armedAt = Number.POSITIVE_INFINITY;
  private nextId = 1;
  private metrics: SchedulingMetrics | undefined;
  private slo: SloSignals = NO_SLO_SIGNALS;
  private tracing: Tracing = NO_TRACING;
  private ledger: CostLedger | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.scheduler = new Scheduler<Payload>({
      runtime: { execute: (batch) => this.execute(batch) },
      settle: (request, outcome) => this.settle(request, outcome),
      router: 'ours',
      // Local replicas live in this process: their load is always current.
      staleAfterMs: Number.POSITIVE_INFINITY,
    });
  }

  /** Metrics come after construction: they read queue depths back from this scheduler. */
  useMetrics(metrics: SchedulingMetrics): void {
    this.metrics = metrics;
  }

  /** Every batch's compute time becomes busy time of its node in the cost ledger. */
  useCostLedger(ledger: CostLedger): void {
    this.ledger = ledger;
  }

  /** Burning error budgets ask admission to shed sheddable traffic through these signals. */
  useSloSignals(signals: SloSignals): void {
    this.slo = signals;
  }

  useTracing(tracing: Tracing): void {
    this.tracing = tracing;
  }

  /** Waiting and in-flight requests per deployed version, for the load gauges. */
  *load(): Generator<DeploymentLoad> {
    for (const [deployment, { model, version, inFlight }] of this.deployed) yield { model, version, depth: this.scheduler.queuedFor(deployment), inFlight };
  }

  static deploymentOf(served: { model: string; version: string }): string {
    return `${served.model}:${served.version}`;
  }

  /** Makes a READY version schedulable: one replica per backend instance. */
  addVersion(served: ServedVersion, config: ServerConfig, costPerHour = 0): void {
    const { backend, config: modelConfig } = served;
    if (!backend || !modelConfig) return;
    const deployment = LiveScheduler.deploymentOf(served);
    const contract = modelConfig.contract;
    // Requests batch together only if every output can be cut back apart along a batch axis.
    const batchable = contract.maxBatchSize > 0 && contract.outputs.every((o) => o.batchAxis !== undefined);
    this.deployed.set(deployment, { model: served.model, version: served.version, backend, contract, batchable, inFlight: 0 });
    this.scheduler.addDeployment(deployment, {
      maxQueue: config.maxQueuePerModel,
      admission: 'predictive',
      batching: modelConfig.batching,
    });
    const device = backend.describe();
    for (let i = 0; i < config.onnx.instances; i++) {
      this.scheduler.addReplica(
        {
          id: `${deployment}#${i}`,
          deployment,
          node: LOCAL_NODE,
          hardwareClass: device.hardwareClass,
          device: device.device,
          tier: 'onprem',
          // The node's price (hardware catalog or cost.node_cost_per_hour): the router weighs it; the ledger attributes it.
          costPerHour,
          memoryBytes: totalmem(),
          simulated: device.simulated,
          maxBatchSize: Math.max(1, contract.maxBatchSize),
          serviceTimePrior: { baseMs: 1, perRowMs: 0.05 },
        },
        this.clock.now(),
      );
    }
  }

  submit(served: ServedVersion, inputs: TensorMap, outputNames: readonly string[], rows: number, hints: SchedulingHints, span?: RequestSpan): Promise<LiveOutcome> {
    const deployment = LiveScheduler.deploymentOf(served);
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
            deployed.inFlight--;
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
        batchKey: (deployed && batchKeyOf(inputs, deployed.contract.inputs, deployed.batchable)) ?? `solo:${id}`,
        hints: hints.hints,
        payload: { inputs, outputNames, resolve, outputs: undefined, backendQueueMs: 0, span },
      };
      const refused = this.scheduler.submit(request, now);
      if (span) span.admission(now, this.clock.now(), refused?.code);
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
    const batchSpan = this.traceBatch(batch);
    const members = batch.requests.map((r) => r.payload);
    const inputs = mergeInputs(members.map((m) => m.inputs), deployed.contract.inputs);
    const names = [...new Set(members.flatMap((m) => m.outputNames))];
    deployed.backend.run(inputs, names).then(
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
        if (batchSpan) this.endBatchSpan(batch, batchSpan, true);
        this.ledger?.recordBatch({ model: deployed.model, version: deployed.version, hardwareClass: batch.replica.hardwareClass, node: batch.replica.node }, result.computeMs / 1000, batch.rows);
        this.finish(batch, { ok: true, computeMs: result.computeMs });
      },
      (error: unknown) => {
        this.log.error({ err: error, replica: batch.replica.id, batch_size: batch.rows }, 'batch failed');
        if (batchSpan) this.endBatchSpan(batch, batchSpan, false);
        this.finish(batch, { ok: false, code: 'INFERENCE_FAILED', message: 'the backend failed on this batch' });
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

  private finish(batch: Batch<Payload>, result: Parameters<Scheduler<Payload>['complete']>[2]): void {
    this.scheduler.complete(batch.id, this.clock.now(), result);
    this.rearm();
  }

  private settle(request: SchedulerRequest<Payload>, outcome: Outcome): void {
    const { payload } = request;
    if (!outcome.ok) {
      payload.resolve(outcome);
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
    payload.resolve({
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
  }
}

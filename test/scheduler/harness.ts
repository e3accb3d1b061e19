/** A scheduler with a hand-driven clock and a runtime that only records batches. */
import { Scheduler, type DeploymentConfig, type SchedulerOptions } from '../../src/scheduler/scheduler.js';
import type { Batch, Outcome, ReplicaSpec, SchedulerRequest } from '../../src/scheduler/types.js';

export interface Harness {
  readonly scheduler: Scheduler<string>;
  readonly batches: Batch<string>[];
  readonly settled: Map<number, Outcome>;
  now: number;
  submit(overrides?: Partial<SchedulerRequest<string>>): Outcome | 'admitted';
  /** Finishes the oldest running batch after `computeMs`. */
  finish(batch: Batch<string>, computeMs?: number): void;
  advanceTo(ms: number): void;
}

export function replica(id: string, overrides: Partial<ReplicaSpec> = {}): ReplicaSpec {
  return {
    id,
    deployment: 'm',
    node: `node-${id}`,
    hardwareClass: 'cpu-x86',
    device: 'cpu:0',
    tier: 'onprem',
    costPerHour: 1,
    memoryBytes: 8 * 2 ** 30,
    simulated: true,
    maxBatchSize: 4,
    serviceTimePrior: { baseMs: 10, perRowMs: 1 },
    ...overrides,
  };
}

export const FIXED: DeploymentConfig = {
  maxQueue: 100,
  admission: 'none',
  batching: { policy: 'fixed', preferredBatchSizes: [], maxQueueDelayMs: { realtime: 5, throughput: 5 } },
};

export function harness(options: { deployment?: DeploymentConfig; replicas?: ReplicaSpec[]; router?: SchedulerOptions<string>['router'] } = {}): Harness {
  const batches: Batch<string>[] = [];
  const settled = new Map<number, Outcome>();
  let nextId = 1;
  let seed = 42;
  const h: Harness = {
    scheduler: new Scheduler<string>({
      runtime: { execute: (batch) => batches.push(batch) },
      settle: (request, outcome) => {
        if (settled.has(request.id)) throw new Error(`request ${request.id} settled twice`);
        settled.set(request.id, outcome);
      },
      router: options.router ?? 'ours',
      random: () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31),
      staleAfterMs: 1000,
    }),
    batches,
    settled,
    now: 0,
    submit(overrides = {}) {
      const id = nextId++;
      const request: SchedulerRequest<string> = {
        id,
        deployment: 'm',
        arrivalMs: h.now,
        priority: 'standard',
        latencyClass: 'throughput',
        deadlineMs: h.now + 1000,
        timeoutAction: 'reject',
        rows: 1,
        batchKey: '',
        hints: {},
        payload: `r${id}`,
        ...overrides,
      };
      const refused = h.scheduler.submit(request, h.now);
      if (refused) {
        settled.set(id, refused);
        return refused;
      }
      return 'admitted';
    },
    finish(batch, computeMs = 10) {
      h.scheduler.complete(batch.id, h.now, { ok: true, computeMs });
    },
    advanceTo(ms) {
      h.now = ms;
      h.scheduler.advance(ms);
    },
  };
  h.scheduler.addDeployment('m', options.deployment ?? FIXED);
  for (const spec of options.replicas ?? [replica('a')]) h.scheduler.addReplica(spec, 0);
  return h;
}

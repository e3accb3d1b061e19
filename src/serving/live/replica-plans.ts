/**
 * The replicas a version is given: what each runs on and where, before the live host turns
 * them into scheduler replicas.
 */
import { totalmem } from 'node:os';
import type { ServerConfig } from '../../core/config.js';
import type { Tier } from '../../core/tiers.js';
import type { Backend } from '../../runtime/backend.js';

export const LOCAL_NODE = 'local';

/** One replica to add for a version: the backend it runs on and where that is. */
export interface ReplicaPlan {
  readonly backend: Backend;
  readonly node: string;
  readonly tier: Tier;
  readonly costPerHour: number;
  readonly memoryBytes: number;
  readonly serviceTimePrior: { readonly baseMs: number; readonly perRowMs: number };
  /** Batches in flight at once on this replica (see ReplicaSpec). @default 1 */
  readonly pipelineDepth?: number;
}

/** The replicas a READY version gets from its own backend: ONNX instances, or one per upstream endpoint. */
export function ownReplicas(backend: Backend, config: ServerConfig, upstream: { tier: Tier; costPerHour: number; connections: number } | undefined, localCostPerHour = 0): ReplicaPlan[] {
  const tier: Tier = upstream?.tier ?? 'onprem';
  const base = { node: LOCAL_NODE, memoryBytes: totalmem(), tier, costPerHour: upstream?.costPerHour ?? localCostPerHour };
  // An upstream serves many requests at once: each URL gets one scheduler slot per pooled
  // connection (a slot runs one batch at a time), so the pool is never queued behind.
  if (backend.parts) {
    const slots = upstream?.connections ?? 1;
    return backend.parts.flatMap((part) => Array.from({ length: slots }, () => ({ ...base, backend: part, serviceTimePrior: { baseMs: 2, perRowMs: 0.05 } })));
  }
  // A worker thread takes its next batch from its inbox the moment one ends, instead of idling
  // while the answer crosses a busy event loop and the next batch is formed.
  return Array.from({ length: config.onnx.instances }, () => ({ ...base, backend, serviceTimePrior: { baseMs: 1, perRowMs: 0.05 }, pipelineDepth: 2 }));
}

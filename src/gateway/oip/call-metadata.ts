/**
 * The per-call metadata of an inference answer, in the OIP response `parameters` and as
 * headers. What is fixed for a model version (name, digest, device) is rendered once per
 * version and reused; only what changes per call is written per call.
 */
import { msText } from '../../core/clock.js';
import type { BackendDescription } from '../../runtime/backend.js';
import type { ReplicaSpec } from '../../scheduler/types.js';
import type { ServedVersion } from '../model-catalog.js';

/**
 * Response headers as name/value pairs. Why not a record: fastify's `reply.headers(record)`
 * reads it by changing keys (a megamorphic load per header, ~1% of a fronted call's CPU).
 */
export type HeaderList = readonly (readonly [name: string, value: string])[];

interface VersionFacts {
  /** The fixed members of `parameters`, as JSON without the braces. */
  readonly parametersPrefix: string;
  readonly headers: HeaderList;
}

export interface CallFacts {
  readonly replica: ReplicaSpec;
  readonly batchSize: number;
  readonly latencyClass: string;
  readonly priority: string;
  readonly queueMs: number;
  readonly computeMs: number;
  readonly totalMs: number;
  readonly traceId: string;
}

/** Keyed by replica: a version's replicas may differ in class, tier and device (real or simulated). */
const cache = new WeakMap<ReplicaSpec, VersionFacts>();

function versionFacts(served: ServedVersion, device: BackendDescription, replica: ReplicaSpec): VersionFacts {
  let facts = cache.get(replica);
  if (!facts) {
    const fixed = {
      model: served.model,
      model_version: served.version,
      digest: served.digest ?? '',
      backend: device.kind,
      hardware_class: device.hardwareClass,
      device: device.device,
      simulated: device.simulated,
      tier: replica.tier,
      replica: replica.id,
      node: replica.node,
    };
    facts = {
      parametersPrefix: JSON.stringify(fixed).slice(1, -1),
      headers: [
        ['content-type', 'application/json; charset=utf-8'],
        ['x-switchyard-model', served.model],
        ['x-switchyard-model-version', served.version],
        ['x-switchyard-digest', served.digest ?? ''],
        ['x-switchyard-backend', device.kind],
        ['x-switchyard-hardware-class', device.hardwareClass],
        ['x-switchyard-device', device.device],
        ['x-switchyard-simulated', String(device.simulated)],
        ['x-switchyard-tier', replica.tier],
        ['x-switchyard-replica', replica.id],
        ['x-switchyard-node', replica.node],
      ],
    };
    cache.set(replica, facts);
  }
  return facts;
}


export interface CallMetadata {
  readonly parametersJson: string;
  /** The same for every call to the version: one shared list, never copied (a spread of it cost 9 µs). */
  readonly versionHeaders: HeaderList;
  readonly callHeaders: HeaderList;
}

export function callMetadata(served: ServedVersion, device: BackendDescription, call: CallFacts): CallMetadata {
  const facts = versionFacts(served, device, call.replica);
  // Each number formatted once, for both the parameters and Server-Timing, the cheap way (see msText).
  const queue = msText(call.queueMs);
  const compute = msText(call.computeMs);
  const total = msText(call.totalMs);
  const parametersJson = `{${facts.parametersPrefix},"batch_size":${call.batchSize},"latency_class":"${call.latencyClass}","priority":"${call.priority}","queue_ms":${queue},"compute_ms":${compute},"total_ms":${total},"trace_id":"${call.traceId}"}`;
  return {
    parametersJson,
    versionHeaders: facts.headers,
    callHeaders: [
      ['x-switchyard-batch-size', String(call.batchSize)],
      ['server-timing', `queue;dur=${queue}, compute;dur=${compute}, total;dur=${total}`],
    ],
  };
}

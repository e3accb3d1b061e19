/**
 * The per-call metadata of an inference answer, in the OIP response `parameters` and as
 * headers. What is fixed for a model version (name, digest, device) is rendered once per
 * version and reused; only what changes per call is written per call.
 */
import { msText } from '../../core/clock.js';
import type { BackendDescription } from '../../runtime/backend.js';
import type { ReplicaSpec } from '../../scheduler/types.js';
import type { ServedVersion } from '../../serving/model-catalog.js';

/**
 * Response headers as one flat list, each name followed by its value: the form node's
 * `writeHead` takes as it is (no record to build, no lookup by changing keys). The first pair
 * is always content-type, so the route can swap its value for a binary answer.
 */
export type HeaderList = string[];

/** Where the content-type value sits in every HeaderList this module and the fallbacks build. */
export const CONTENT_TYPE_AT = 1;
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

interface VersionFacts {
  /** The fixed members of `parameters`, as JSON without the braces. */
  readonly parametersPrefix: string;
  readonly headers: readonly string[];
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
        'content-type', JSON_CONTENT_TYPE,
        'x-switchyard-model', served.model,
        'x-switchyard-model-version', served.version,
        'x-switchyard-digest', served.digest ?? '',
        'x-switchyard-backend', device.kind,
        'x-switchyard-hardware-class', device.hardwareClass,
        'x-switchyard-device', device.device,
        'x-switchyard-simulated', String(device.simulated),
        'x-switchyard-tier', replica.tier,
        'x-switchyard-replica', replica.id,
        'x-switchyard-node', replica.node,
      ],
    };
    cache.set(replica, facts);
  }
  return facts;
}


export interface CallMetadata {
  readonly parametersJson: string;
  /** This call's own list (the version's fixed headers copied, then the call's): the route appends its own. */
  readonly headers: HeaderList;
}

export function callMetadata(served: ServedVersion, device: BackendDescription, call: CallFacts): CallMetadata {
  const facts = versionFacts(served, device, call.replica);
  // Each number formatted once, for both the parameters and Server-Timing, the cheap way (see msText).
  const queue = msText(call.queueMs);
  const compute = msText(call.computeMs);
  const total = msText(call.totalMs);
  const parametersJson = `{${facts.parametersPrefix},"batch_size":${call.batchSize},"latency_class":"${call.latencyClass}","priority":"${call.priority}","queue_ms":${queue},"compute_ms":${compute},"total_ms":${total},"trace_id":"${call.traceId}"}`;
  // A copy of a packed array of strings is one block copy; the pushes then fit its spare room.
  const headers = facts.headers.slice();
  headers.push('x-switchyard-batch-size', String(call.batchSize), 'server-timing', `queue;dur=${queue}, compute;dur=${compute}, total;dur=${total}`);
  return { parametersJson, headers };
}

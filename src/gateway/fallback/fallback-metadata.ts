/**
 * The per-call metadata of an answer a fallback gave: which link answered and why, as the
 * `x-switchyard-fallback: <kind>:<name>; reason=<reason>` header and as `fallback` and
 * `fallback_reason` in the OIP response parameters, next to the usual facts.
 */
import { roundMs } from '../../core/clock.js';
import type { BackendDescription } from '../../runtime/backend.js';
import type { ServedVersion } from '../../serving/model-catalog.js';
import { callMetadata, JSON_CONTENT_TYPE, type CallMetadata } from '../oip/call-metadata.js';
import type { FallbackUsed } from '../../serving/fallback/fallback-runner.js';

export interface FallbackCall {
  readonly latencyClass: string;
  readonly priority: string;
  readonly totalMs: number;
  readonly traceId: string;
}

export function fallbackMetadata(served: ServedVersion, fallback: FallbackUsed, call: FallbackCall): CallMetadata {
  const label = `${fallback.kind}:${fallback.name}`;
  const header = `${label}; reason=${fallback.reason}`;
  const extra = `"fallback":${JSON.stringify(label)},"fallback_reason":"${fallback.reason}"`;
  if (fallback.served?.backend && fallback.live) {
    // Another deployment answered: its scheduling facts, under the name the caller asked for.
    const { live } = fallback;
    const base = callMetadata(fallback.served, fallback.served.backend.describe(), { ...call, replica: live.replica, batchSize: live.batchSize, queueMs: live.queueMs, computeMs: live.computeMs });
    base.headers.push('x-switchyard-fallback', header);
    return { parametersJson: `${base.parametersJson.slice(0, -1)},${extra}}`, headers: base.headers };
  }
  const total = roundMs(call.totalMs);
  const device: Pick<BackendDescription, 'kind'> = { kind: fallback.kind === 'rules' ? 'rules' : 'onnx' };
  const parameters = {
    model: served.model,
    model_version: served.version,
    digest: served.digest ?? '',
    backend: fallback.kind === 'rules' ? device.kind : fallback.kind,
    latency_class: call.latencyClass,
    priority: call.priority,
    total_ms: total,
    trace_id: call.traceId,
  };
  return {
    parametersJson: `${JSON.stringify(parameters).slice(0, -1)},${extra}}`,
    headers: [
      'content-type', JSON_CONTENT_TYPE,
      'x-switchyard-model', served.model,
      'x-switchyard-model-version', served.version,
      'x-switchyard-digest', served.digest ?? '',
      'x-switchyard-fallback', header,
      'server-timing', `total;dur=${total}`,
    ],
  };
}

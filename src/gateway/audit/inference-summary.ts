/**
 * What the audit log keeps of one inference: who, which model version and digest, the outcome
 * code, the latency and a SHA-256 of the input tensors (name, datatype, shape and bytes), never
 * the input itself.
 */
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Clock } from '../../core/clock.js';
import type { TensorMap } from '../../core/tensor.js';
import type { AuditBuffer } from '../../registry/audit/audit-buffer.js';
import type { Logger } from '../../telemetry/logger.js';
import { actorOf } from '../auth/principal.js';

export interface InferenceOutcome {
  readonly model: string;
  readonly version: string;
  readonly digest: string | undefined;
  /** 'ok' or the error code. */
  readonly outcome: string;
  readonly latencyMs: number;
  /**
   * Digest of the decoded inputs when decoding got that far; undefined hashes the raw body, and
   * null says the body was never read (refused from the headers).
   */
  readonly inputSha256: string | null | undefined;
}

export function inputDigest(inputs: TensorMap | undefined, body: unknown): string {
  const hash = createHash('sha256');
  if (inputs) {
    for (const name of Object.keys(inputs).sort()) {
      const tensor = inputs[name];
      if (!tensor) continue;
      hash.update(JSON.stringify([name, tensor.datatype, tensor.shape]));
      const { data } = tensor;
      if (Array.isArray(data)) hash.update(JSON.stringify(data));
      else hash.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    }
  } else if (Buffer.isBuffer(body)) {
    hash.update(body);
  } else {
    hash.update(JSON.stringify(body ?? null));
  }
  return `sha256:${hash.digest('hex')}`;
}

/** The infer route's completion callback: one summary into the buffer, no database call. */
export function auditInference(buffer: AuditBuffer, clock: Clock, log: Logger) {
  return (request: FastifyRequest, result: InferenceOutcome): void => {
    try {
      record(request, result);
    } catch (error) {
      // The answer is already decided; a summary that cannot be built is logged, not turned into a 500.
      log.error({ err: error, model: result.model }, 'audit log: inference summary not recorded');
    }
  };
  function record(request: FastifyRequest, result: InferenceOutcome): void {
    buffer.add({
      actor: actorOf(request.principal),
      action: 'inference',
      target: `model/${result.model}/${result.version}`,
      at: new Date(clock.wallNow()).toISOString(),
      // Keys in sorted order: the stored text is the same in any order, but this one lets
      // canonicalJson serialise the object as it is instead of copying it to sort its keys.
      detail: {
        digest: result.digest ?? null,
        inputSha256: result.inputSha256 === undefined ? inputDigest(undefined, request.body) : result.inputSha256,
        latencyMs: Math.round(result.latencyMs * 1000) / 1000,
        model: result.model,
        outcome: result.outcome,
        version: result.version,
      },
    });
  }
}

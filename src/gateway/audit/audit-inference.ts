/**
 * The infer route's completion callback bound to the request: who called (the auth hook's
 * principal) and the body, handed to the audit summary (serving/audit/inference-summary.ts).
 */
import type { FastifyRequest } from 'fastify';
import type { Clock } from '../../core/clock.js';
import type { AuditBuffer } from '../../registry/audit/audit-buffer.js';
import type { Logger } from '../../telemetry/logger.js';
import { inferenceAudit, type InferenceOutcome } from '../../serving/audit/inference-summary.js';
import { actorOf } from '../auth/principal.js';

export function auditInference(buffer: AuditBuffer, clock: Clock, log: Logger) {
  const record = inferenceAudit(buffer, clock, log);
  return (request: FastifyRequest, result: InferenceOutcome): void => record(() => actorOf(request.principal), request.body, result);
}

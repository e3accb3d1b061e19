/**
 * POST /v2/models/{m}[/versions/{v}]/infer: resolve the version, decode and validate against
 * its contract, run on its backend, answer with outputs and per-call metadata (in the OIP
 * `parameters`, as `x-switchyard-*` headers, `Server-Timing` and `traceparent`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SwitchyardError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { childTraceContext, formatTraceparent, parseTraceparent } from '../../core/trace-context.js';
import type { Logger } from '../../telemetry/logger.js';
import { UNKNOWN_MODEL_LABEL, type ServingMetrics } from '../../telemetry/serving-metrics.js';
import { sendError, toSwitchyardError } from '../error-reply.js';
import type { ModelCatalog } from '../model-catalog.js';
import { notReady, resolveVersion } from '../resolve-version.js';
import type { LiveScheduler } from '../live/live-scheduler.js';
import { decodeInferRequest, type DecodeLimits } from './decode-request.js';
import { encodeInferResponse } from './encode-response.js';
import { callMetadata } from './call-metadata.js';
import { readSchedulingHints } from './scheduling-hints.js';
import { splitBinaryBody } from './binary-tensors.js';
import { inputDigest, type InferenceOutcome } from '../audit/inference-summary.js';

interface InferParams { model: string; version?: string }

export interface InferRouteOptions {
  readonly catalog: ModelCatalog;
  readonly metrics: ServingMetrics;
  readonly log: Logger;
  readonly limits: DecodeLimits;
  readonly scheduler: LiveScheduler;
  /** Called once per request when its answer is decided (the audit log's inference summary); must not block. */
  readonly onComplete?: (request: FastifyRequest, result: InferenceOutcome) => void;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A binary-extension body: the JSON part is parsed here (the content-type parser kept the raw bytes). */
function decodeBinaryBody(body: Buffer, headerLength: string | string[] | undefined): { header: unknown; binary: Buffer } {
  const { json, binary } = splitBinaryBody(body, headerLength);
  try {
    return { header: JSON.parse(json) as unknown, binary };
  } catch {
    throw new SwitchyardError('BAD_JSON', 'the JSON part of the binary body (its first Inference-Header-Content-Length bytes) is not valid JSON');
  }
}

export function registerInferRoute(app: FastifyInstance, options: InferRouteOptions): void {
  const { catalog, metrics, log, limits, scheduler, onComplete } = options;

  async function infer(request: FastifyRequest<{ Params: InferParams; Body: unknown }>, reply: FastifyReply): Promise<FastifyReply> {
    const trace = childTraceContext(parseTraceparent(headerValue(request.headers.traceparent)));
    void reply.header('traceparent', formatTraceparent(trace));
    // Labels stay bounded: only names the catalogue knows become label values.
    let modelLabel = catalog.hasModel(request.params.model) ? request.params.model : UNKNOWN_MODEL_LABEL;
    let versionLabel = UNKNOWN_MODEL_LABEL;
    let digest: string | undefined;
    let decoded;
    let inputSha256: string | undefined;
    try {
      const served = resolveVersion(catalog, request.params.model, request.params.version);
      modelLabel = served.model;
      versionLabel = served.version;
      digest = served.digest;
      const { backend, config } = served;
      if (served.state !== 'READY' || !backend || !config) throw notReady(served);
      if (Buffer.isBuffer(request.body)) {
        const { header, binary } = decodeBinaryBody(request.body, request.headers['inference-header-content-length']);
        decoded = decodeInferRequest(header, config.contract, limits, binary);
      } else {
        decoded = decodeInferRequest(request.body, config.contract, limits);
      }
      // Before submit: the input buffers move to a worker thread and are detached here afterwards.
      if (onComplete) inputSha256 = inputDigest(decoded.inputs, undefined);
      const hints = readSchedulingHints(request.headers, decoded.parameters, config.latencyClass);
      const result = await scheduler.submit(served, decoded.inputs, decoded.outputNames, decoded.batchSize, hints);
      if (!result.ok) {
        if (result.code === 'INFERENCE_FAILED') {
          log.error({ model: served.model, version: served.version, trace_id: trace.traceId }, 'inference failed');
          throw new SwitchyardError('INFERENCE_FAILED', `inference failed on model '${served.model}' version ${served.version}; trace ${trace.traceId} in the server log has the details`);
        }
        throw new SwitchyardError(result.code, result.message, result.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: result.retryAfterSeconds });
      }
      const outputs: (readonly [string, Tensor])[] = [];
      for (const name of decoded.outputNames) {
        const tensor = result.outputs[name];
        if (tensor) outputs.push([name, tensor]);
      }
      const metadata = callMetadata(served, backend.describe(), {
        replica: result.replica,
        batchSize: result.batchSize,
        latencyClass: hints.latencyClass,
        priority: hints.priority,
        queueMs: result.queueMs,
        computeMs: result.computeMs,
        totalMs: reply.elapsedTime,
        traceId: trace.traceId,
      });
      const { json, blobs } = encodeInferResponse({ modelName: served.model, modelVersion: served.version, id: decoded.id, parametersJson: metadata.parametersJson }, outputs, decoded.binaryOutputs);
      void reply.headers(metadata.versionHeaders).headers(metadata.callHeaders);
      let body: string | Buffer = json;
      if (blobs.length > 0) {
        const head = Buffer.from(json, 'utf8');
        body = Buffer.concat([head, ...blobs]);
        void reply.header('content-type', 'application/octet-stream').header('inference-header-content-length', String(head.length));
      }
      metrics.observe({ model: modelLabel, version: versionLabel, outcome: 'ok', seconds: reply.elapsedTime / 1000 });
      onComplete?.(request, { model: modelLabel, version: versionLabel, digest, outcome: 'ok', latencyMs: reply.elapsedTime, inputSha256 });
      return reply.send(body);
    } catch (error) {
      const failure = toSwitchyardError(error, log, { trace_id: trace.traceId });
      metrics.observe({ model: modelLabel, version: versionLabel, outcome: failure.code, seconds: reply.elapsedTime / 1000 });
      onComplete?.(request, { model: modelLabel, version: versionLabel, digest, outcome: failure.code, latencyMs: reply.elapsedTime, inputSha256 });
      return sendError(reply, failure);
    }
  }

  app.post<{ Params: InferParams; Body: unknown }>('/v2/models/:model/infer', infer);
  app.post<{ Params: InferParams; Body: unknown }>('/v2/models/:model/versions/:version/infer', infer);
}

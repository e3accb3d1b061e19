/**
 * POST /v2/models/{m}[/versions/{v}]/infer: resolve the version, decode and validate against
 * its contract, run on its backend, answer with outputs and per-call metadata (in the OIP
 * `parameters`, as `x-switchyard-*` headers, `Server-Timing` and `traceparent`).
 */
import { deploymentName, deploymentNameOf } from '../../core/deployment-name.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SwitchyardError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { childTraceContext, formatTraceparent, parseTraceparent } from '../../core/trace-context.js';
import type { Logger } from '../../telemetry/logger.js';
import { NO_HARDWARE_LABEL, SHED_OUTCOME, UNKNOWN_MODEL_LABEL, type ServingMetrics } from '../../telemetry/serving-metrics.js';
import { NO_SLO_RECORDER, type SloRecorder } from '../../telemetry/slo/slo-recorder.js';
import type { LatencyClass } from '../../core/contract.js';
import { NO_TRACING, type RequestSpan, type Tracing } from '../../telemetry/tracing/tracing.js';
import { sendError, toSwitchyardError } from '../error-reply.js';
import type { ModelCatalog, ServedVersion } from '../../serving/model-catalog.js';
import type { InferObserver } from '../../serving/infer-observer.js';
import { notReady, resolveVersion } from '../../serving/resolve-version.js';
import { refusalError, type FallbackRunner } from '../../serving/fallback/fallback-runner.js';
import type { Refused } from '../../scheduler/types.js';
import { fallbackMetadata } from '../fallback/fallback-metadata.js';
import { decodeInferRequest, type DecodeLimits } from './decode-request.js';
import { encodeInferResponse } from './encode-response.js';
import { callMetadata, CONTENT_TYPE_AT, type HeaderList } from './call-metadata.js';
import { readSchedulingHints } from './scheduling-hints.js';
import { splitBinaryBody } from './binary-tensors.js';
import { inputDigest, type InferenceOutcome } from '../../serving/audit/inference-summary.js';
import type { Residency } from './residency.js';
import { nestsDeeperThan, tooDeep } from '../body/json-depth.js';
import { acceptedCoding, compress, MIN_COMPRESSED_BYTES } from '../body/content-encoding.js';
import type { InferenceStats } from './inference-stats.js';

interface InferParams { model: string; version?: string }

/** What a failed or refused request is counted and audited under. */
interface FailureFacts {
  readonly model: string;
  readonly version: string;
  readonly digest: string | undefined;
  readonly hardwareClass: string;
  readonly latencyClass: LatencyClass | undefined;
  readonly inputSha256: string | null | undefined;
}

export interface InferRouteOptions {
  readonly catalog: ModelCatalog;
  readonly metrics: ServingMetrics;
  readonly log: Logger;
  readonly limits: DecodeLimits;
  /** Counts each answer against its deployment's SLO. @default none */
  readonly slo?: SloRecorder;
  /** @default NO_TRACING (off: no span objects) */
  readonly tracing?: Tracing;
  /** Called once per request when its answer is decided (the audit log's inference summary); must not block. */
  readonly onComplete?: (request: FastifyRequest, result: InferenceOutcome) => void;
  readonly residency?: Residency;
  /** Runs each request on its deployment, or down its fallback chain. */
  readonly runner: FallbackRunner;
  /** Sees each valid request's inputs, and the primary's outputs (drift sampling). */
  readonly observe?: InferObserver;
  /** Deepest JSON nesting of a binary body's JSON part (max_json_depth). @default 64 */
  readonly maxJsonDepth?: number;
  /** Triton-style statistics (GET .../stats). @default none */
  readonly stats?: InferenceStats;
}

export type { InferObserver };

/**
 * A success answer written to node's response directly, its headers as one flat list. Why not
 * `reply.header` and `reply.send`: fastify keeps each header in a record by its lowercased name
 * and walks its send path (hooks, payload checks) for a body that is already final text; on a
 * fronted call that bookkeeping cost more than the metadata itself. Failures still go through
 * fastify (sendError). Nothing else sets headers on this route's successful answers.
 */
function sendAnswer(reply: FastifyReply, headers: HeaderList, body: string | Buffer): FastifyReply {
  headers.push('content-length', String(typeof body === 'string' ? Buffer.byteLength(body) : body.length));
  // Before the hijack: a header value node refuses throws here with nothing sent, and the
  // route's catch still answers through fastify.
  reply.raw.writeHead(200, headers);
  reply.hijack();
  reply.raw.end(body);
  return reply;
}

function byteLength(body: string | Buffer): number {
  return typeof body === 'string' ? Buffer.byteLength(body) : body.length;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A binary-extension body: the JSON part is parsed here (the content-type parser kept the raw bytes). */
function decodeBinaryBody(body: Buffer, headerLength: string | string[] | undefined, maxJsonDepth: number): { header: unknown; binary: Buffer } {
  const { json, binary } = splitBinaryBody(body, headerLength);
  if (nestsDeeperThan(json, maxJsonDepth)) throw tooDeep(maxJsonDepth, 'the JSON part of the binary body');
  try {
    return { header: JSON.parse(json) as unknown, binary };
  } catch {
    throw new SwitchyardError('BAD_JSON', 'the JSON part of the binary body (its first Inference-Header-Content-Length bytes) is not valid JSON');
  }
}

export function registerInferRoute(app: FastifyInstance, options: InferRouteOptions): void {
  const { catalog, metrics, log, limits, runner, observe, onComplete, residency, stats } = options;
  const maxJsonDepth = options.maxJsonDepth ?? 64;
  const slo = options.slo ?? NO_SLO_RECORDER;
  const tracing = options.tracing ?? NO_TRACING;

  async function infer(request: FastifyRequest<{ Params: InferParams; Body: unknown }>, reply: FastifyReply): Promise<FastifyReply> {
    const parent = parseTraceparent(headerValue(request.headers.traceparent));
    let trace = childTraceContext(parent);
    let span: RequestSpan | undefined;
    // Labels stay bounded: only names the catalogue knows become label values.
    let modelLabel = catalog.hasModel(request.params.model) ? request.params.model : UNKNOWN_MODEL_LABEL;
    let versionLabel = UNKNOWN_MODEL_LABEL;
    let latencyClass: LatencyClass | undefined;
    let hardwareClass = NO_HARDWARE_LABEL;
    let digest: string | undefined;
    let decoded;
    let inputSha256: string | undefined;
    try {
      const served = resolveVersion(catalog, request.params.model, request.params.version);
      modelLabel = served.model;
      versionLabel = served.version;
      digest = served.digest;
      const { backend, config } = served;
      latencyClass = config?.latencyClass;
      if (served.state !== 'READY' || !backend || !config) throw notReady(served);
      if (Buffer.isBuffer(request.body)) {
        const { header, binary } = decodeBinaryBody(request.body, request.headers['inference-header-content-length'], maxJsonDepth);
        decoded = decodeInferRequest(header, config.contract, limits, binary);
      } else {
        decoded = decodeInferRequest(request.body, config.contract, limits);
      }
      // Before submit: the input buffers move to a worker thread and are detached here afterwards.
      if (onComplete) inputSha256 = inputDigest(decoded.inputs, undefined, config.contract.inputs);
      // The parsed JSON is not needed past here: let it go now rather than when the answer is
      // sent, so a long queue under overload does not keep every body alive through each GC.
      (request as { body: unknown }).body = undefined;
      let hints = readSchedulingHints(request.headers, decoded.parameters, config.latencyClass);
      const tiers = residency?.tiersFor(served.model, hints.tenant);
      if (tiers) hints = { ...hints, hints: { ...hints.hints, tiers } };
      latencyClass = hints.latencyClass;
      span = tracing.startRequest(parent, trace, { model: served.model, version: served.version, latencyClass: hints.latencyClass, priority: hints.priority });
      // The sampler may decide differently from the caller-less default; the answer names the real span.
      if (span) trace = span.context;
      // Sampled before the run: a backend may hand the input buffers to a worker thread.
      observe?.inputs(served, decoded.inputs);
      let answer;
      try {
        answer = await runner.infer(served, decoded.inputs, decoded.outputNames, decoded.batchSize, hints, span);
      } catch (error) {
        if (error instanceof SwitchyardError) {
          if (error.code === 'INFERENCE_FAILED') {
            log.error({ model: served.model, version: served.version, trace_id: trace.traceId }, 'inference failed');
            throw new SwitchyardError('INFERENCE_FAILED', `inference failed on model '${served.model}' version ${served.version}; trace ${trace.traceId} in the server log has the details`);
          }
          metrics.reject(served.model, served.version, hints.latencyClass, error.code);
        }
        throw error;
      }
      const live = answer.fallback ? answer.fallback.live : answer.live;
      if (live) hardwareClass = live.replica.hardwareClass;
      const answered = answer.fallback ? answer.outputs : answer.live.outputs;
      if (!answer.fallback) observe?.outputs(served, answered);
      const outputs: (readonly [string, Tensor])[] = [];
      for (const name of decoded.outputNames) {
        const tensor = answered[name];
        if (tensor) outputs.push([name, tensor]);
      }
      const totalMs = reply.elapsedTime;
      // Each call's facts as one literal: spreading a shared part into it cost more than the rest of the metadata (profiled: docs/hot-path.md).
      const metadata = answer.fallback
        ? fallbackMetadata(served, answer.fallback, { latencyClass: hints.latencyClass, priority: hints.priority, totalMs, traceId: trace.traceId })
        : callMetadata(served, answer.live.description, {
            latencyClass: hints.latencyClass,
            priority: hints.priority,
            totalMs,
            traceId: trace.traceId,
            replica: answer.live.replica,
            batchSize: answer.live.batchSize,
            queueMs: answer.live.queueMs,
            computeMs: answer.live.computeMs,
          });
      const { json, blobs } = encodeInferResponse({ modelName: served.model, modelVersion: served.version, id: decoded.id, parametersJson: metadata.parametersJson }, outputs, decoded.binaryOutputs);
      const { headers } = metadata;
      let body: string | Buffer = json;
      if (blobs.length > 0) {
        const head = Buffer.from(json, 'utf8');
        body = Buffer.concat([head, ...blobs]);
        headers[CONTENT_TYPE_AT] = 'application/octet-stream';
        headers.push('inference-header-content-length', String(head.length));
      }
      // Inference-Header-Content-Length stays the uncompressed JSON part's length: clients inflate first.
      const coding = request.headers['accept-encoding'] === undefined || byteLength(body) < MIN_COMPRESSED_BYTES ? undefined : acceptedCoding(request.headers['accept-encoding']);
      if (coding) {
        body = await compress(body, coding);
        headers.push('content-encoding', coding, 'vary', 'accept-encoding');
      }
      // One clock read for the metrics and the audit summary (each read is a call into fastify's timer).
      const elapsedMs = reply.elapsedTime;
      const seconds = elapsedMs / 1000;
      headers.push('traceparent', formatTraceparent(trace));
      span?.end({ outcome: 'ok', status: 200, hardwareClass, ...(live ? { batchSize: live.batchSize } : {}) });
      metrics.observe({ model: modelLabel, version: versionLabel, hardwareClass, latencyClass: hints.latencyClass, outcome: 'ok', status: 200, seconds });
      metrics.inferred(modelLabel, versionLabel, hardwareClass, hints.latencyClass, decoded.batchSize);
      slo.record(deploymentName(served), hints.latencyClass, seconds, false);
      onComplete?.(request, { model: modelLabel, version: versionLabel, digest, outcome: 'ok', latencyMs: elapsedMs, inputSha256 });
      if (stats && !answer.fallback) {
        const run = answer.live;
        stats.success(served.model, served.version, { rows: decoded.batchSize, batchRows: run.batchSize, totalMs: elapsedMs, queueMs: run.queueMs, computeMs: run.computeMs, atMs: Date.now() });
      }
      return sendAnswer(reply, headers, body);
    } catch (error) {
      const failure = toSwitchyardError(error, log, { trace_id: trace.traceId });
      void reply.header('traceparent', formatTraceparent(trace));
      span?.end({ outcome: failure.code, status: failure.status, hardwareClass });
      return answerFailure(request, reply, failure, { model: modelLabel, version: versionLabel, digest, hardwareClass, latencyClass, inputSha256 });
    }
  }

  /** Counts a failed or refused request (metrics, SLO, audit summary) and answers it. */
  function answerFailure(request: FastifyRequest, reply: FastifyReply, failure: SwitchyardError, facts: FailureFacts): FastifyReply {
    const elapsedMs = reply.elapsedTime;
    const seconds = elapsedMs / 1000;
    const { model, version, latencyClass } = facts;
    metrics.observe({ model, version, hardwareClass: facts.hardwareClass, latencyClass: latencyClass ?? 'none', outcome: failure.code, status: failure.status, seconds });
    // Client errors and deliberate shedding say nothing about the service's health.
    if (latencyClass !== undefined && failure.status >= 500 && failure.code !== SHED_OUTCOME) slo.record(deploymentNameOf(model, version), latencyClass, seconds, true);
    onComplete?.(request, { model, version, digest: facts.digest, outcome: failure.code, latencyMs: elapsedMs, inputSha256: facts.inputSha256 });
    if (stats && version !== UNKNOWN_MODEL_LABEL) stats.failure(model, version, elapsedMs);
    return sendError(reply, failure);
  }

  /**
   * Errors before the handler runs (the body's parser: bad or too deep JSON, a wrong content
   * type, a body over the limit, a corrupt compressed body; a refused key) are answered here
   * rather than by the app's handler, so they are counted and audited like every other refusal.
   */
  function answerRefusedBeforeHandler(error: unknown, request: FastifyRequest<{ Params: InferParams }>, reply: FastifyReply): void {
    void refusedBeforeHandler(error, request, reply);
  }

  function refusedBeforeHandler(error: unknown, request: FastifyRequest<{ Params: InferParams }>, reply: FastifyReply): FastifyReply {
    const failure = toSwitchyardError(error, log, { url: request.url });
    let facts: FailureFacts = { model: UNKNOWN_MODEL_LABEL, version: UNKNOWN_MODEL_LABEL, digest: undefined, hardwareClass: NO_HARDWARE_LABEL, latencyClass: undefined, inputSha256: null };
    try {
      const served = resolveVersion(catalog, request.params.model, request.params.version);
      facts = { ...facts, model: served.model, version: served.version, digest: served.digest, latencyClass: served.config?.latencyClass };
    } catch {
      // An unknown model or version is counted under the unknown label.
    }
    // A body that was read but refused is digested as it came (bytes or parsed JSON); one never read has none.
    if (request.body !== undefined) facts = { ...facts, inputSha256: undefined };
    return answerFailure(request, reply, failure, facts);
  }

  /**
   * Admission's early word, from the headers alone and before the body is read: under overload a
   * refusal then costs no body parsing, validation or input digest. Only an explicit, valid
   * priority header takes part (the body could still name another), and a version with a
   * fallback chain is left to its chain. A callback hook: an async one costs a promise and a
   * microtask on every request, refused or not.
   */
  function refuseEarly(request: FastifyRequest<{ Params: InferParams }>, reply: FastifyReply, done: () => void): void {
    const refused = earlyRefusal(request);
    if (!refused) done();
    else void answerFailure(request, reply, refusalError(refused.refusal), refused.facts);
  }

  /** The refusal admission would give this request now, from its headers; undefined lets it in. */
  function earlyRefusal(request: FastifyRequest<{ Params: InferParams }>): { refusal: Refused; facts: FailureFacts } | undefined {
    const priority = headerValue(request.headers['x-switchyard-priority']);
    if (priority !== 'critical' && priority !== 'standard' && priority !== 'sheddable') return undefined;
    const deadlineHeader = headerValue(request.headers['x-switchyard-deadline-ms']);
    const deadlineMs = deadlineHeader === undefined ? Number.POSITIVE_INFINITY : Number(deadlineHeader);
    if (!(deadlineMs > 0)) return undefined;
    let served: ServedVersion;
    try {
      served = resolveVersion(catalog, request.params.model, request.params.version);
    } catch {
      return undefined;
    }
    if (served.state !== 'READY' || !served.config) return undefined;
    const refused = runner.peek(served, priority, deadlineMs);
    if (!refused) return undefined;
    // Counted under the class the caller asked for, as the full path would (a bad value is for it to refuse).
    const hinted = headerValue(request.headers['x-switchyard-latency-class']);
    const latencyClass: LatencyClass = hinted === 'realtime' || hinted === 'throughput' ? hinted : served.config.latencyClass;
    metrics.reject(served.model, served.version, latencyClass, refused.code);
    // The body was never read: there is nothing to digest.
    return { refusal: refused, facts: { model: served.model, version: served.version, digest: served.digest, hardwareClass: NO_HARDWARE_LABEL, latencyClass, inputSha256: null } };
  }

  app.post<{ Params: InferParams; Body: unknown }>('/v2/models/:model/infer', { onRequest: refuseEarly, errorHandler: answerRefusedBeforeHandler }, infer);
  app.post<{ Params: InferParams; Body: unknown }>('/v2/models/:model/versions/:version/infer', { onRequest: refuseEarly, errorHandler: answerRefusedBeforeHandler }, infer);
}

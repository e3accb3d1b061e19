/**
 * What the audit log keeps of one inference: who, which model version and digest, the outcome
 * code, the latency and a SHA-256 of the input tensors (name, datatype, shape and bytes), never
 * the input itself. Written grouped per caller and version (inference-groups.ts); refusals at
 * admission as counts (refusal-tally.ts).
 */
import crypto from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import type { TensorMap } from '../../core/tensor.js';
import type { AuditBuffer } from '../../registry/audit/audit-buffer.js';
import type { Logger } from '../../telemetry/logger.js';
import { derivedOnce } from '../../core/derived-once.js';
import { shapeText } from '../../core/tensor-json.js';
import { InferenceGroups } from './inference-groups.js';
import { RefusalTally, TALLIED_REFUSALS } from './refusal-tally.js';

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

/** One-shot SHA-256 (Node 20.12+), read off the namespace: older Node 20 releases lack it. */
const oneShot = typeof crypto.hash === 'function' ? crypto.hash : undefined;

function inOrder(names: readonly string[]): readonly (readonly [string, string])[] {
  return [...names].sort().map((name) => [name, `[${JSON.stringify(name)},"`] as const);
}

/** Per contract input list, sorted once: the digest's tensor order and each tensor's JSON name part. */
const namesInOrder = derivedOnce((specs: readonly { readonly name: string }[]) => inOrder(specs.map((s) => s.name)));

/**
 * SHA-256 of the decoded inputs. `specs`, when given, is the contract's input list (the same
 * object every call), so the names are sorted and quoted once.
 */
export function inputDigest(inputs: TensorMap | undefined, body: unknown, specs?: readonly { readonly name: string }[]): string {
  if (!inputs) {
    const hash = crypto.createHash('sha256');
    if (Buffer.isBuffer(body)) hash.update(body);
    else hash.update(JSON.stringify(body ?? null));
    return `sha256:${hash.digest('hex')}`;
  }
  // The same bytes in the same order as hashing each part in turn: per tensor, by name, its
  // [name, datatype, shape] as JSON and then its data (raw bytes, or JSON for strings).
  if (!oneShot) return streamedDigest(inputs, specs);
  let at = 0;
  for (const [name, quoted] of specs ? namesInOrder(specs) : inOrder(Object.keys(inputs))) {
    const tensor = inputs[name];
    if (!tensor) continue;
    // JSON.stringify([name, datatype, shape]) without the array: datatypes and dimensions need no escaping.
    at = put(`${quoted}${tensor.datatype}",[${shapeText(tensor.shape)}]]`, at);
    const { data } = tensor;
    if (at >= 0) at = put(Array.isArray(data) ? JSON.stringify(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    if (at < 0) return streamedDigest(inputs, specs);
  }
  return `sha256:${oneShot('sha256', SCRATCH.subarray(0, at), 'hex')}`;
}

/**
 * Where a small input's digested bytes are laid out, reused by every call (the hash is
 * synchronous): no parts list and no buffer per digest. Larger inputs are hashed part by part,
 * which copies nothing.
 */
const SCRATCH = Buffer.allocUnsafe(64 * 1024);

/** Writes `part` into the scratch buffer at `at` and returns its end, or -1 when it does not fit. */
function put(part: string | Uint8Array, at: number): number {
  if (typeof part === 'string') {
    // A UTF-16 unit takes at most 3 bytes of UTF-8: measured exactly only near the end.
    if (at + part.length * 3 > SCRATCH.length && at + Buffer.byteLength(part) > SCRATCH.length) return -1;
    return at + SCRATCH.write(part, at);
  }
  if (at + part.byteLength > SCRATCH.length) return -1;
  SCRATCH.set(part, at);
  return at + part.byteLength;
}

/** Node 20 releases before 20.12 have no one-shot hash: the same bytes, hashed part by part. */
function streamedDigest(inputs: TensorMap, specs: readonly { readonly name: string }[] | undefined): string {
  const hash = crypto.createHash('sha256');
  for (const [name, quoted] of specs ? namesInOrder(specs) : inOrder(Object.keys(inputs))) {
    const tensor = inputs[name];
    if (!tensor) continue;
    hash.update(`${quoted}${tensor.datatype}",[${shapeText(tensor.shape)}]]`);
    const { data } = tensor;
    hash.update(Array.isArray(data) ? JSON.stringify(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  return `sha256:${hash.digest('hex')}`;
}

/**
 * The infer route's completion callback, given the caller's audit actor and the request body:
 * one summary into its group, no database call; a refusal at admission is counted instead
 * (see refusal-tally.ts). gateway/audit/audit-inference.ts binds it to the request.
 */
export function inferenceAudit(buffer: AuditBuffer, clock: Clock, log: Logger) {
  // Registered first: each flush writes the inferences' rows before the refusal counts.
  const inferences = new InferenceGroups(buffer, clock);
  const refusals = new RefusalTally(buffer, clock);
  return (actor: () => string, body: unknown, result: InferenceOutcome): void => {
    try {
      record(actor(), body, result);
    } catch (error) {
      // The answer is already decided; a summary that cannot be built is logged, not turned into a 500.
      log.error({ err: error, model: result.model }, 'audit log: inference summary not recorded');
    }
  };
  function record(actor: string, body: unknown, result: InferenceOutcome): void {
    if (TALLIED_REFUSALS.has(result.outcome)) {
      refusals.add({ actor, model: result.model, version: result.version, digest: result.digest, outcome: result.outcome, latencyMs: result.latencyMs });
      return;
    }
    inferences.add({
      actor,
      model: result.model,
      version: result.version,
      digest: result.digest,
      outcome: result.outcome,
      latencyMs: result.latencyMs,
      inputSha256: result.inputSha256 === undefined ? inputDigest(undefined, body) : result.inputSha256,
    });
  }
}

/**
 * One upstream endpoint over HTTP/1.1 keep-alive: an undici Pool sized to the configured
 * connections, with connect, headers and body timeouts, a bounded answer size, and every
 * failure turned into a BackendError with a catalogue code (the details stay in the log).
 */
import { Pool, errors as undiciErrors } from 'undici';
import { BackendError } from '../backend.js';

export interface UpstreamHttpOptions {
  readonly url: string;
  readonly connections: number;
  readonly connectTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  readonly maxResponseBytes: number;
  /** Sent with every request (authorization, say). */
  readonly headers: Readonly<Record<string, string>>;
}

export interface UpstreamAnswer {
  readonly status: number;
  readonly body: Buffer;
  /** Inference-Header-Content-Length when the answer has one: a binary OIP answer's JSON part. */
  readonly jsonLength?: number | undefined;
}

const JSON_LENGTH_HEADER = 'inference-header-content-length';
const CONTENT_LENGTH = Buffer.from('content-length');
const JSON_LENGTH = Buffer.from(JSON_LENGTH_HEADER);

/** A raw header name against a lowercase one, ignoring ASCII case (header names are tokens: no other letters). */
function sameName(raw: Buffer | string, lower: Buffer): boolean {
  if (raw.length !== lower.length) return false;
  if (typeof raw === 'string') return raw.toLowerCase() === lower.toString('latin1');
  for (let i = 0; i < lower.length; i++) if ((raw[i]! | 0x20) !== lower[i]) return false;
  return true;
}

/**
 * A raw header value as `Number(String(raw))` reads it; plain digits (every length header in
 * practice) are read from the bytes without building a string.
 */
export function headerNumber(raw: Buffer | string | undefined): number {
  if (raw !== undefined && typeof raw !== 'string' && raw.length > 0 && raw.length <= 15) {
    let value = 0;
    for (let i = 0; i < raw.length; i++) {
      const digit = raw[i]! - 48;
      if (digit < 0 || digit > 9) return Number(String(raw));
      value = value * 10 + digit;
    }
    return value;
  }
  return Number(String(raw));
}

/** Why: an upstream's refusal message is shown to the caller; a page of HTML or a stack trace is cut short. */
const MAX_PUBLIC_MESSAGE = 300;

/** The caller-safe reason inside an upstream error body (OIP `error`, OpenAI `error.message`). */
export function upstreamReason(body: Buffer): string {
  let text = body.toString('utf8', 0, Math.min(body.length, 4096));
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { error?: unknown; message?: unknown };
    const error = parsed.error;
    if (typeof error === 'string') text = error;
    else if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') text = (error as { message: string }).message;
    else if (typeof parsed.message === 'string') text = parsed.message;
  } catch {
    // Not JSON: the raw text, cut short below.
  }
  const clean = text.replace(/\s+/g, ' ').trim();
  return clean.length > MAX_PUBLIC_MESSAGE ? `${clean.slice(0, MAX_PUBLIC_MESSAGE)}…` : clean || 'no reason given';
}

/** Maps an upstream's non-2xx answer to a catalogue error. */
export function statusError(what: string, answer: UpstreamAnswer): BackendError {
  const { status } = answer;
  const detail = `${what} answered HTTP ${status}: ${upstreamReason(answer.body)}`;
  if (status === 429 || status === 503) {
    return new BackendError(detail, { code: 'UPSTREAM_OVERLOADED', publicMessage: `the upstream model server is overloaded (HTTP ${status})`, retryAfterSeconds: 1 });
  }
  // 401/403/407: our credentials are wrong, not the caller's input; 408: the upstream's own timeout.
  if (status >= 400 && status < 500 && ![401, 403, 407, 408].includes(status)) {
    return new BackendError(detail, { code: 'UPSTREAM_REJECTED', publicMessage: `the upstream model server refused the request (HTTP ${status}): ${upstreamReason(answer.body)}` });
  }
  if (status === 408 || status === 504) return new BackendError(detail, { code: 'UPSTREAM_TIMEOUT', publicMessage: 'the upstream model server timed out' });
  return new BackendError(detail, { code: 'UPSTREAM_UNAVAILABLE', publicMessage: `the upstream model server failed (HTTP ${status})`, retryAfterSeconds: 1 });
}

function transportError(what: string, error: unknown): BackendError {
  const code = (error as { code?: string }).code ?? '';
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof BackendError) return error;
  if (error instanceof undiciErrors.ConnectTimeoutError || error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError || /TIMEOUT/.test(code)) {
    return new BackendError(`${what}: ${code || 'timeout'}: ${message}`, { cause: error, code: 'UPSTREAM_TIMEOUT', publicMessage: 'the upstream model server did not answer in time' });
  }
  return new BackendError(`${what}: ${code || 'transport error'}: ${message}`, { cause: error, code: 'UPSTREAM_UNAVAILABLE', publicMessage: 'the upstream model server could not be reached', retryAfterSeconds: 1 });
}

export class UpstreamHttp {
  private readonly pool: Pool;
  private readonly base: URL;
  private readonly prefix: string;
  private closed = false;
  private closing: Promise<void> | undefined;
  /** Built once: every POST sends the same headers. */
  private readonly postHeaders: Readonly<Record<string, string>>;
  /** Binary POSTs: the same, as a flat list with the JSON part's length left to fill in. */
  private readonly binaryHeaders: readonly string[];
  /** The last binary POST's headers, with its JSON length: it repeats while the shapes do. */
  private lastBinary: { readonly jsonLength: number; readonly headers: string[] } | undefined;

  constructor(private readonly options: UpstreamHttpOptions) {
    this.base = new URL(options.url);
    this.prefix = this.base.pathname.replace(/\/+$/, '');
    this.postHeaders = { ...options.headers, 'content-type': 'application/json' };
    this.binaryHeaders = [...Object.entries(options.headers).flat(), 'content-type', 'application/octet-stream', JSON_LENGTH_HEADER];
    this.pool = new Pool(this.base.origin, {
      connections: options.connections,
      pipelining: 1,
      connectTimeout: options.connectTimeoutMs,
      headersTimeout: options.headersTimeoutMs,
      bodyTimeout: options.bodyTimeoutMs,
      keepAliveTimeout: 30_000,
    });
  }

  /** Where this endpoint is, for logs and the `device` metadata: scheme, host and port only. */
  get origin(): string {
    return this.base.origin;
  }

  /**
   * One request on the pool. Why `dispatch` with a handler rather than `request`: the answer is
   * gathered straight from the socket's chunks, without a Readable stream and its async
   * iterator per call, which on small answers cost more than the rest of the client together.
   */
  send(method: 'GET' | 'POST', path: string, body?: string | Buffer, jsonLength?: number): Promise<UpstreamAnswer> {
    const what = `upstream ${this.base.origin}${this.prefix}${path}`;
    if (this.closed) return Promise.reject(new BackendError(`${what}: the backend is unloading`, { code: 'UPSTREAM_UNAVAILABLE', publicMessage: 'the upstream backend is unloading', retryAfterSeconds: 1 }));
    const limit = this.options.maxResponseBytes;
    const headers = body === undefined ? this.options.headers : jsonLength === undefined ? this.postHeaders : this.binaryHeadersFor(jsonLength);
    return new Promise<UpstreamAnswer>((resolve, reject) => {
      let status = 0;
      let size = 0;
      let answerJsonLength: number | undefined;
      const chunks: Buffer[] = [];
      let cancel: (error?: Error) => void = () => undefined;
      const tooLarge = (detail: string): BackendError =>
        new BackendError(`${what}: answer ${detail} is over max_response_bytes ${limit}`, { code: 'UPSTREAM_RESPONSE_INVALID', publicMessage: 'the upstream answer is larger than this model allows (max_response_bytes)' });
      this.pool.dispatch(
        { method, path: `${this.prefix}${path}`, headers, ...(body === undefined ? {} : { body }) },
        {
          // undici's Pool takes the classic handler form: abort comes with onConnect.
          onConnect: (abort) => {
            cancel = abort;
          },
          onHeaders: (statusCode, rawHeaders) => {
            status = statusCode;
            for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
              // Compared as bytes: most names differ in length, and none needs a string built.
              const name = rawHeaders[i];
              if (name === undefined) continue;
              if (sameName(name, CONTENT_LENGTH)) {
                const declared = headerNumber(rawHeaders[i + 1]);
                if (declared > limit) cancel(tooLarge(`of ${declared} bytes`));
              } else if (sameName(name, JSON_LENGTH)) {
                answerJsonLength = headerNumber(rawHeaders[i + 1]);
              }
            }
            return true;
          },
          onData: (chunk) => {
            size += chunk.length;
            if (size > limit) cancel(tooLarge('of more bytes'));
            else chunks.push(chunk);
            return true;
          },
          onComplete: () => {
            const answer = { status, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size), jsonLength: answerJsonLength };
            if (status < 200 || status >= 300) reject(statusError(what, answer));
            else resolve(answer);
          },
          onError: (error) => reject(transportError(what, error)),
        },
      );
    });
  }

  private binaryHeadersFor(jsonLength: number): string[] {
    if (this.lastBinary?.jsonLength !== jsonLength) this.lastBinary = { jsonLength, headers: [...this.binaryHeaders, String(jsonLength)] };
    return this.lastBinary.headers;
  }

  /** Once, however often it is called: undici throws on a second close, so a second unload failed (the Backend suite caught it). */
  close(): Promise<void> {
    this.closed = true;
    this.closing ??= this.pool.close();
    return this.closing;
  }
}

/** Parses an upstream's JSON answer (the first `length` bytes of a binary one), or says it is not JSON in catalogue terms. */
export function parseAnswer(what: string, body: Buffer, length = body.length): unknown {
  try {
    return JSON.parse(body.toString('utf8', 0, length)) as unknown;
  } catch (error) {
    throw new BackendError(`${what}: the answer is not JSON`, { cause: error, code: 'UPSTREAM_RESPONSE_INVALID', publicMessage: 'the upstream answer is not valid JSON' });
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * The JSON part of an endpoint's binary answers, which repeats byte for byte while the shapes do
 * (names, datatypes, shapes, sizes; the numbers travel after it): parsed once, then reused for as
 * long as the bytes are the same. The value is frozen: every answer shares it.
 */
export class RepeatedJson {
  private bytes: Buffer | undefined;
  private value: unknown;

  parse(what: string, body: Buffer, length: number): unknown {
    const head = body.subarray(0, length);
    if (this.bytes !== undefined && this.bytes.equals(head)) return this.value;
    const value = deepFreeze(parseAnswer(what, body, length));
    this.bytes = Buffer.from(head);
    this.value = value;
    return value;
  }
}

/** An OIP answer's JSON and, for a binary one, the bytes after it. */
export function splitAnswer(what: string, answer: UpstreamAnswer, heads?: RepeatedJson): { readonly json: unknown; readonly binary: Buffer | undefined } {
  const length = answer.jsonLength;
  if (length === undefined) return { json: parseAnswer(what, answer.body), binary: undefined };
  if (!Number.isInteger(length) || length < 0 || length > answer.body.length) {
    throw new BackendError(`${what}: Inference-Header-Content-Length ${length} does not fit a ${answer.body.length}-byte answer`, { code: 'UPSTREAM_RESPONSE_INVALID', publicMessage: 'the upstream answer is not valid binary tensor data' });
  }
  return { json: heads ? heads.parse(what, answer.body, length) : parseAnswer(what, answer.body, length), binary: answer.body.subarray(length) };
}

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

  constructor(private readonly options: UpstreamHttpOptions) {
    this.base = new URL(options.url);
    this.prefix = this.base.pathname.replace(/\/+$/, '');
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

  async send(method: 'GET' | 'POST', path: string, body?: string | Buffer): Promise<UpstreamAnswer> {
    const what = `upstream ${this.base.origin}${this.prefix}${path}`;
    if (this.closed) throw new BackendError(`${what}: the backend is unloading`, { code: 'UPSTREAM_UNAVAILABLE', publicMessage: 'the upstream backend is unloading', retryAfterSeconds: 1 });
    try {
      const response = await this.pool.request({
        method,
        path: `${this.prefix}${path}`,
        headers: body === undefined ? this.options.headers : { ...this.options.headers, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body }),
      });
      const declared = Number(response.headers['content-length'] ?? Number.NaN);
      if (declared > this.options.maxResponseBytes) {
        response.body.destroy();
        throw new BackendError(`${what}: answer of ${declared} bytes is over max_response_bytes ${this.options.maxResponseBytes}`, { code: 'UPSTREAM_RESPONSE_INVALID', publicMessage: 'the upstream answer is larger than this model allows (max_response_bytes)' });
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response.body) {
        size += (chunk as Buffer).length;
        if (size > this.options.maxResponseBytes) {
          response.body.destroy();
          throw new BackendError(`${what}: answer is over max_response_bytes ${this.options.maxResponseBytes}`, { code: 'UPSTREAM_RESPONSE_INVALID', publicMessage: 'the upstream answer is larger than this model allows (max_response_bytes)' });
        }
        chunks.push(chunk as Buffer);
      }
      const answer = { status: response.statusCode, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) };
      if (answer.status < 200 || answer.status >= 300) throw statusError(what, answer);
      return answer;
    } catch (error) {
      throw transportError(what, error);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.pool.close();
  }
}

/** Parses an upstream's JSON answer, or says it is not JSON in catalogue terms. */
export function parseAnswer(what: string, body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (error) {
    throw new BackendError(`${what}: the answer is not JSON`, { cause: error, code: 'UPSTREAM_RESPONSE_INVALID', publicMessage: 'the upstream answer is not valid JSON' });
  }
}

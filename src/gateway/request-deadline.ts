/**
 * A request whose body has not fully arrived `requestTimeoutMs` after it began is answered
 * 408 REQUEST_TIMEOUT and its connection closed: a client dribbling a body must not hold a
 * connection (and the memory of a partial body) for ever.
 *
 * Why not Node's own `server.requestTimeout`: it is one value for every route, and a registry
 * push of a large artifact needs minutes where an inference needs seconds. Node's check holds
 * the longer (upload) limit; this one holds the shorter limit for every other route.
 *
 * Why a sweep and not a timer per request: the request path only adds to and deletes from a map
 * (no timer to arm and clear per call); one interval walks what is left.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errorBody, SwitchyardError } from '../core/errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A large upload (registry push): held to http.upload_timeout_ms instead of http.request_timeout_ms. */
    upload?: boolean;
  }
}

export interface RequestDeadlineOptions {
  readonly timeoutMs: number;
  /** @default performance.now */
  readonly now?: () => number;
}

/** How often the sweep runs: a tenth of the limit, between 25 ms and 1 s. */
export function sweepIntervalMs(timeoutMs: number): number {
  return Math.min(1000, Math.max(25, Math.floor(timeoutMs / 10)));
}

function timeOut(raw: IncomingMessage, timeoutMs: number): void {
  const socket = raw.socket;
  if (socket.destroyed) return;
  const body = JSON.stringify(errorBody(new SwitchyardError('REQUEST_TIMEOUT', `the request body did not arrive within ${timeoutMs} ms (http.request_timeout_ms); the connection is closed`)));
  // The handler has not started (its body is incomplete), so no response has been written yet.
  // Destroyed once written, not only half-closed: a client that ignores our FIN could keep sending.
  socket.end(`HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`, () => socket.destroy());
}

export function registerRequestDeadline(app: FastifyInstance, options: RequestDeadlineOptions): void {
  const now = options.now ?? (() => performance.now());
  // Keyed by request and dropped as soon as its body is in (preHandler): an answered request must
  // not stay reachable until the next sweep, which under load kept a second's worth of requests
  // alive through every young-generation collection.
  const pending = new Map<FastifyRequest, number>();
  const sweep = (): void => {
    const at = now();
    for (const [request, deadline] of pending) {
      const { raw } = request;
      if (raw.complete || raw.destroyed) pending.delete(request);
      else if (deadline <= at) {
        pending.delete(request);
        // A push has its own, longer limit: Node's requestTimeout (http.upload_timeout_ms).
        if (request.routeOptions.config.upload !== true) timeOut(raw, options.timeoutMs);
      }
    }
  };
  let timer: NodeJS.Timeout | undefined;
  app.addHook('onListen', (done) => {
    timer = setInterval(sweep, sweepIntervalMs(options.timeoutMs));
    timer.unref();
    done();
  });
  app.addHook('onClose', (_instance, done) => {
    clearInterval(timer);
    pending.clear();
    done();
  });
  app.addHook('onRequest', (request, _reply, done) => {
    // Only listening servers sweep; inject() requests have no socket to hold.
    if (timer !== undefined) pending.set(request, now() + options.timeoutMs);
    done();
  });
  app.addHook('preHandler', (request, _reply, done) => {
    pending.delete(request);
    done();
  });
}

import { randomFillSync } from 'node:crypto';

/** W3C Trace Context (traceparent version 00). */
export interface TraceContext {
  readonly traceId: string;
  readonly spanId: string;
  readonly sampled: boolean;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

// Random ids come from a pool refilled 4 KiB at a time: one crypto call per ~170 requests
// instead of two per request (the saving is in docs/hot-path.md).
const pool = Buffer.alloc(4096);
let offset = pool.length;

function randomHex(bytes: number): string {
  if (offset + bytes > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return hex;
}

export function parseTraceparent(header: string | undefined): TraceContext | undefined {
  if (header === undefined) return undefined;
  const match = TRACEPARENT.exec(header.trim());
  if (!match) return undefined;
  const [, traceId = '', spanId = '', flags = '00'] = match;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, sampled: (Number.parseInt(flags, 16) & 1) === 1 };
}

/** A child span of the caller's trace, or the root of a new trace when there is none. */
export function childTraceContext(parent: TraceContext | undefined): TraceContext {
  let spanId = randomHex(8);
  while (spanId === ZERO_SPAN) spanId = randomHex(8);
  return {
    traceId: parent?.traceId ?? randomHex(16),
    spanId,
    sampled: parent?.sampled ?? true,
  };
}

export function formatTraceparent(context: TraceContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.sampled ? '01' : '00'}`;
}

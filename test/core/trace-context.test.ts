import { test } from 'node:test';
import assert from 'node:assert/strict';
import { childTraceContext, formatTraceparent, parseTraceparent } from '../../src/core/trace-context.js';

test('traceparent parsing follows W3C: lowercase hex, no all-zero ids', () => {
  assert.deepEqual(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'), { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', sampled: true });
  assert.equal(parseTraceparent('00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01'), undefined);
  assert.equal(parseTraceparent(`00-${'0'.repeat(32)}-00f067aa0ba902b7-01`), undefined);
  assert.equal(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'), undefined);
  assert.equal(parseTraceparent('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'), undefined);
  assert.equal(parseTraceparent(undefined), undefined);
});

test('child contexts keep the trace, take a fresh span id, and new traces are unique', () => {
  const parent = parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00')!;
  const child = childTraceContext(parent);
  assert.equal(child.traceId, parent.traceId);
  assert.equal(child.sampled, false);
  assert.match(formatTraceparent(child), /^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-00$/);
  const ids = new Set(Array.from({ length: 5000 }, () => childTraceContext(undefined).traceId));
  assert.equal(ids.size, 5000, 'ids drawn across several pool refills never repeat');
});

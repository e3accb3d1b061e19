import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEMO_REPOSITORY, startTestServer } from '../helpers/server.js';

interface OtlpAttribute { key: string; value: { stringValue?: string; intValue?: number | string; boolValue?: boolean } }
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: OtlpAttribute[];
  links?: { traceId: string; spanId: string }[];
}

/** An OTLP/HTTP receiver on loopback: decodes each JSON export and keeps its spans and headers. */
async function otlpReceiver() {
  const spans: OtlpSpan[] = [];
  const headers: IncomingMessage['headers'][] = [];
  const server = createServer((request, response) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (text += chunk));
    request.on('end', () => {
      headers.push(request.headers);
      assert.equal(request.url, '/v1/traces');
      assert.match(request.headers['content-type'] ?? '', /application\/json/);
      const body = JSON.parse(text) as { resourceSpans: { resource: { attributes: OtlpAttribute[] }; scopeSpans: { spans: OtlpSpan[] }[] }[] };
      for (const resource of body.resourceSpans) {
        assert.ok(resource.resource.attributes.some((a) => a.key === 'service.name' && a.value.stringValue === 'switchyard-test'));
        for (const scope of resource.scopeSpans) spans.push(...scope.spans);
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
  return { url, spans, headers, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const attr = (span: OtlpSpan | undefined, key: string): unknown => {
  const value = span?.attributes.find((a) => a.key === key)?.value;
  return value?.stringValue ?? (value?.intValue === undefined ? value?.boolValue : Number(value.intValue));
};

test('spans for admission, queue, batch and compute reach an OTLP receiver, in the caller\'s trace', async () => {
  const receiver = await otlpReceiver();
  const server = await startTestServer(DEMO_REPOSITORY, {
    'tracing.enabled': 'true',
    'tracing.endpoint': receiver.url,
    'tracing.headers': { 'x-api-key': 'secret-for-test' },
    'tracing.service_name': 'switchyard-test',
  });
  try {
    const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpan = '00f067aa0ba902b7';
    const body = (values: number[]) => ({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, values.length], data: values }] });
    // Throughput class waits up to 5 ms to fill a batch, so the three requests run together.
    const headers = { 'x-switchyard-latency-class': 'throughput' };
    const responses = await Promise.all([
      server.app.inject({ method: 'POST', url: '/v2/models/identity/infer', headers: { ...headers, traceparent: `00-${callerTrace}-${callerSpan}-01` }, payload: body([1, 2]) }),
      server.app.inject({ method: 'POST', url: '/v2/models/identity/infer', headers, payload: body([3, 4]) }),
      server.app.inject({ method: 'POST', url: '/v2/models/identity/infer', headers, payload: body([5, 6]) }),
    ]);
    for (const response of responses) assert.equal(response.statusCode, 200, response.body);
    const returned = String(responses[0]?.headers.traceparent);
    assert.match(returned, new RegExp(`^00-${callerTrace}-[0-9a-f]{16}-01$`), 'the caller\'s trace continues');
    await server.tracing.forceFlush();

    const { spans } = receiver;
    assert.equal(receiver.headers[0]?.['x-api-key'], 'secret-for-test');
    const requestSpan = spans.find((s) => s.name === 'switchyard.request' && s.traceId === callerTrace);
    assert.ok(requestSpan, `a request span in the caller's trace; got ${spans.map((s) => s.name).join(', ')}`);
    assert.equal(requestSpan.parentSpanId, callerSpan, 'child of the caller\'s span');
    assert.equal(requestSpan.spanId, returned.split('-')[2], 'the traceparent answered names the exported span');
    assert.equal(requestSpan.kind, 2, 'SERVER');
    assert.equal(attr(requestSpan, 'switchyard.model'), 'identity');
    assert.equal(attr(requestSpan, 'switchyard.latency_class'), 'throughput');
    assert.equal(attr(requestSpan, 'switchyard.outcome'), 'ok');
    assert.equal(attr(requestSpan, 'http.response.status_code'), 200);

    const childrenOf = (parent: OtlpSpan) => spans.filter((s) => s.parentSpanId === parent.spanId && s.traceId === parent.traceId).map((s) => s.name).sort();
    assert.deepEqual(childrenOf(requestSpan).filter((n) => n !== 'switchyard.batch'), ['switchyard.admission', 'switchyard.compute', 'switchyard.queue']);
    const admission = spans.find((s) => s.name === 'switchyard.admission' && s.parentSpanId === requestSpan.spanId);
    assert.equal(attr(admission, 'switchyard.admitted'), true);

    // Each request's compute span links to the batch span it ran in; the batch links back to every request.
    const compute = spans.find((s) => s.name === 'switchyard.compute' && s.parentSpanId === requestSpan.spanId);
    const batchLink = compute?.links?.[0];
    assert.ok(batchLink, 'compute links to its batch');
    const batch = spans.find((s) => s.name === 'switchyard.batch' && s.spanId === batchLink.spanId);
    assert.ok(batch, 'the linked batch span was exported');
    const requestSpans = spans.filter((s) => s.name === 'switchyard.request');
    assert.equal(requestSpans.length, 3);
    const rows = attr(batch, 'switchyard.batch_size') as number;
    assert.equal(batch.links?.length, attr(batch, 'switchyard.requests'));
    assert.ok(batch.links?.some((l) => l.spanId === requestSpan.spanId));
    assert.ok(rows >= 1 && rows <= 3);
    assert.match(String(attr(batch, 'switchyard.hardware_class')), /^cpu-/);
    // The two requests without a caller started traces of their own.
    assert.equal(new Set(requestSpans.map((s) => s.traceId)).size, 3);
  } finally {
    await server.close();
    await receiver.close();
  }
});

test('tracing off: no traceparent change and no OpenTelemetry span objects on the path', async () => {
  const server = await startTestServer(DEMO_REPOSITORY);
  try {
    const response = await server.app.inject({ method: 'POST', url: '/v2/models/identity/infer', headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }, payload: { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 1], data: [1] }] } });
    assert.match(String(response.headers.traceparent), /^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    assert.equal(server.tracing.startRequest(undefined, { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), sampled: true }, { model: 'm', version: '1', latencyClass: 'realtime', priority: 'standard' }), undefined);
  } finally {
    await server.close();
  }
});

test('sampling is parent based: ratio 0 drops new traces but follows a caller that samples', async () => {
  const receiver = await otlpReceiver();
  const server = await startTestServer(DEMO_REPOSITORY, {
    'tracing.enabled': 'true',
    'tracing.endpoint': receiver.url,
    'tracing.sampling_ratio': 0,
    'tracing.service_name': 'switchyard-test',
  });
  try {
    const payload = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 1], data: [1] }] };
    const alone = await server.app.inject({ method: 'POST', url: '/v2/models/identity/infer', payload });
    assert.match(String(alone.headers.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/, 'not sampled, and says so');
    const caller = '0af7651916cd43dd8448eb211c80319c';
    const followed = await server.app.inject({ method: 'POST', url: '/v2/models/identity/infer', headers: { traceparent: `00-${caller}-b7ad6b7169203331-01` }, payload });
    assert.match(String(followed.headers.traceparent), new RegExp(`^00-${caller}-[0-9a-f]{16}-01$`));
    await server.tracing.forceFlush();
    assert.ok(receiver.spans.length > 0);
    assert.deepEqual([...new Set(receiver.spans.map((s) => s.traceId))], [caller], 'only the caller\'s sampled trace was exported');
  } finally {
    await server.close();
    await receiver.close();
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { SloControlLoop } from '../../src/control/slo/slo-loop.js';
import { postWebhook } from '../../src/control/slo/webhook.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { compileSlo } from '../../src/telemetry/slo/objective.js';
import { SloBook } from '../../src/telemetry/slo/slo-book.js';
import { SloMetrics } from '../../src/telemetry/slo/slo-metrics.js';

const MIN = 60_000;

/** A webhook receiver on loopback that answers 503 to its first `failures` POSTs. */
async function receiver(failures: number) {
  const bodies: Record<string, unknown>[] = [];
  let attempts = 0;
  const server = createServer((request: IncomingMessage, response) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (text += chunk));
    request.on('end', () => {
      attempts++;
      if (attempts <= failures) {
        response.writeHead(503).end('not yet');
        return;
      }
      bodies.push(JSON.parse(text) as Record<string, unknown>);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`;
  return { url, bodies, attempts: () => attempts, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger('info', stream), lines };
}

test('the webhook retries with doubling backoff until the receiver accepts', async () => {
  const hook = await receiver(2);
  const waits: number[] = [];
  try {
    const result = await postWebhook(hook.url, { hello: 1 }, { retries: 4, backoffMs: 100, timeoutMs: 2000, sleep: async (ms) => void waits.push(ms) });
    assert.deepEqual(result, { delivered: true, attempts: 3, last: '204' });
    assert.deepEqual(waits, [100, 200]);
    assert.deepEqual(hook.bodies, [{ hello: 1 }]);
    const gaveUp = await postWebhook('http://127.0.0.1:1/none', {}, { retries: 2, backoffMs: 1, timeoutMs: 500, sleep: async () => undefined });
    assert.equal(gaveUp.delivered, false);
    assert.equal(gaveUp.attempts, 3);
  } finally {
    await hook.close();
  }
});

test('the loop alerts when a pair starts and stops firing, sets the signals and logs every action with its reason', async () => {
  const hook = await receiver(2);
  let wall = 29_000_000 * MIN;
  const clock = { now: () => wall, wallNow: () => wall };
  const book = new SloBook(clock);
  book.set(compileSlo('sensor', '3', 'realtime', { latency_threshold_ms: 50, actions: ['alert', 'fallback', 'shed'], webhook_url: hook.url }));
  const registry = new Registry();
  const { log, lines } = capturedLogger();
  const loop: SloControlLoop = new SloControlLoop({ book, clock, log, metrics: new SloMetrics(registry, () => loop.evaluations()), webhook: { retries: 3, backoffMs: 1, timeoutMs: 2000, sleep: async () => undefined } });
  try {
    // Server errors: 30 of 100 are 5xx, burning the 99.9% availability budget at 300x.
    for (let i = 0; i < 100; i++) book.record('sensor:3', 'realtime', 0.001, i < 30);
    await loop.evaluate();
    const state = book.sloState('sensor:3');
    assert.equal(state.fallback, true);
    assert.equal(state.shed, true);
    assert.equal(state.freeze, false, 'freeze is not among this SLO\'s actions');
    // Every pair fires for both SLIs (latency counts 5xx as bad: 30x): six alerts, each delivered after two 503s for the first.
    assert.equal(hook.bodies.length, 6);
    const first = hook.bodies.find((b) => b.sli === 'availability' && b.pair === '1h_5m');
    assert.equal(first?.state, 'firing');
    assert.equal(first?.severity, 'page');
    assert.equal(first?.factor, 14.4);
    assert.ok(Math.abs((first?.long_burn_rate as number) - 300) < 1e-9);
    assert.deepEqual(first?.actions, { shed: true, fallback: true, freeze: false });
    assert.match(String(first?.reason), /availability SLO of sensor:3:realtime burns 300\.0x over 1h and 300\.0x over 5m/);
    const actions = lines.filter((l) => l.action === 'fallback' || l.action === 'shed');
    assert.deepEqual(actions.map((l) => l.action).sort(), ['fallback', 'shed']);
    assert.ok(actions.every((l) => typeof l.reason === 'string' && (l.reason).includes('burns')));
    assert.match(await registry.metrics(), /switchyard_slo_alerts_total\{slo="sensor:3:realtime",outcome="delivered"\} 6/);

    // Nothing new is alerted while the same pairs keep firing.
    await loop.evaluate();
    assert.equal(hook.bodies.length, 6);

    // Seven hours later, with good traffic: every short window is clean, so every pair stops (3d still burns, 6h does not).
    wall += 7 * 60 * MIN;
    for (let i = 0; i < 100; i++) book.record('sensor:3', 'realtime', 0.001, false);
    await loop.evaluate();
    const resolved = hook.bodies.slice(6);
    assert.ok(resolved.length > 0 && resolved.every((b) => b.state === 'resolved'));
    assert.deepEqual(resolved.map((b) => `${String(b.sli)}:${String(b.pair)}`).sort(), ['availability:1h_5m', 'availability:3d_6h', 'availability:6h_30m', 'latency:1h_5m', 'latency:3d_6h', 'latency:6h_30m']);
    assert.equal(book.sloState('sensor:3').fallback, false);
    assert.ok(lines.some((l) => l.action === 'fallback' && l.msg === 'SLO action fallback off for sensor:3:realtime'));
  } finally {
    await hook.close();
  }
});

/**
 * The live scheduler over remote replicas: a batch lost with its node is retried once on
 * another replica under the retry budget, else answered with a retryable REPLICA_FAILED;
 * every request is answered exactly once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../../src/core/clock.js';
import { compileConfig } from '../../src/core/config.js';
import type { TensorMap } from '../../src/core/tensor.js';
import { OutlierDetector } from '../../src/serving/live/outlier-detector.js';
import { RetryBudget } from '../../src/serving/live/retry-budget.js';
import { LiveScheduler, type LiveOutcome } from '../../src/serving/live/live-scheduler.js';
import type { ServedVersion } from '../../src/serving/model-catalog.js';
import type { SchedulingHints } from '../../src/serving/scheduling-hints.js';
import { parseModelConfig } from '../../src/registry/model-config.js';
import type { Backend, BatchResult } from '../../src/runtime/backend.js';
import { NodeLostError } from '../../src/runtime/remote/remote-backend.js';
import type { ReplicaSpec } from '../../src/scheduler/types.js';
import { silentLogger } from '../../src/telemetry/logger.js';

const config = compileConfig(new Map(), process.cwd());
const modelConfig = parseModelConfig(`
backend: onnx
artifact: model.onnx
max_batch_size: 8
inputs: [{ name: x, datatype: FP32, shape: [-1, 2], batch_axis: 0 }]
outputs: [{ name: x, datatype: FP32, shape: [-1, 2], batch_axis: 0 }]
`);

class FakeBackend implements Backend {
  inFlight = 0;
  calls = 0;
  constructor(private readonly behaviour: (inputs: TensorMap) => Promise<BatchResult>) {}
  describe() {
    return { kind: 'onnx' as const, hardwareClass: 'cpu-x86', device: 'cpu:0', simulated: false, executionProvider: 'cpu' as const };
  }
  run(inputs: TensorMap): Promise<BatchResult> {
    this.calls++;
    return this.behaviour(inputs);
  }
  async unload(): Promise<void> {}
}

const echo = () => new FakeBackend(async (inputs) => ({ outputs: inputs, queueMs: 0, computeMs: 0.1, inline: false }));
const lost = () => new FakeBackend(async () => Promise.reject(new NodeLostError('connection reset')));

const hints: SchedulingHints = { latencyClass: 'realtime', priority: 'standard', deadlineMs: 5000, timeoutAction: 'reject', tenant: undefined, hints: {} };

function setup(budget = { ratio: 0.2, min: 10, windowMs: 10_000 }): { live: LiveScheduler; served: ServedVersion } {
  const served: ServedVersion = { model: 'm', version: '1', state: 'READY', reason: undefined, digest: 'sha256:x', config: modelConfig, backend: echo(), fallbackRules: new Map(), driftReference: undefined };
  const live = new LiveScheduler({
    clock: systemClock,
    log: silentLogger(),
    resilience: { outliers: new OutlierDetector({ consecutiveErrors: 5, baseMs: 60_000, maxMs: 300_000 }), retryBudget: new RetryBudget(budget) },
  });
  live.addVersion(served, config, [], false);
  return { live, served };
}

const spec = (id: string, node: string): ReplicaSpec => ({
  id,
  deployment: 'm:1',
  node,
  hardwareClass: 'cpu-x86',
  device: 'cpu:0',
  tier: 'onprem',
  costPerHour: 0,
  memoryBytes: 2 ** 30,
  simulated: false,
  maxBatchSize: 8,
  serviceTimePrior: { baseMs: 1, perRowMs: 0.05 },
});

function send(live: LiveScheduler, served: ServedVersion, i: number): Promise<LiveOutcome> {
  return live.submit(served, { x: { datatype: 'FP32', shape: [1, 2], data: new Float32Array([i, -i]) } }, ['x'], 1, hints);
}

test('requests lost with their node are retried once on the surviving replica, each answered once with its own output', async () => {
  const { live, served } = setup();
  const dead = lost();
  live.addReplica(spec('a', 'node-a'), dead, 'ready');
  live.addReplica(spec('b', 'node-b'), echo(), 'ready');
  const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => send(live, served, i)));
  answers.forEach((answer, i) => {
    assert.ok(answer.ok, `request ${i} failed`);
    assert.equal(answer.replica.node, 'node-b');
    assert.deepEqual([...(answer.outputs.x!.data as Float32Array)], [i, -i], 'each request gets its own rows back');
  });
  assert.ok(dead.calls >= 1, 'some batch went to the lost node first');
  assert.ok(live.stats.retries >= 1);
  assert.equal(live.stats.ejections, 1, 'a lost connection ejects the replica at once');
  assert.equal(live.stats.duplicateAnswers, 0);
  live.close();
});

test('with no retry budget left, a lost batch is answered with a retryable REPLICA_FAILED', async () => {
  const { live, served } = setup({ ratio: 0, min: 0, windowMs: 10_000 });
  live.addReplica(spec('a', 'node-a'), lost(), 'ready');
  live.addReplica(spec('b', 'node-b'), echo(), 'ready');
  const answer = await send(live, served, 1);
  // The router may pick b first; then the first request succeeds and a second one lands on a.
  const answers = answer.ok && answer.replica.node === 'node-b' ? [answer, ...(await Promise.all([1, 2, 3, 4].map((i) => send(live, served, i))))] : [answer];
  const failed = answers.filter((a) => !a.ok);
  for (const f of failed) {
    assert.equal(f.ok, false);
    if (!f.ok) {
      assert.equal(f.code, 'REPLICA_FAILED');
      assert.equal(f.retryAfterSeconds, 1);
    }
  }
  assert.equal(live.stats.retries, 0);
  assert.equal(live.stats.duplicateAnswers, 0);
  live.close();
});

test('a lost batch with no other replica to go to is answered REPLICA_FAILED, once', async () => {
  const { live, served } = setup();
  live.addReplica(spec('a', 'node-a'), lost(), 'ready');
  const answer = await send(live, served, 1);
  assert.equal(answer.ok, false);
  if (!answer.ok) {
    assert.equal(answer.code, 'REPLICA_FAILED');
    assert.match(answer.message, /no other replica could take it/);
    assert.ok((answer.retryAfterSeconds ?? 0) >= 1);
  }
  assert.equal(live.stats.duplicateAnswers, 0);
  live.close();
});

test('a retried request is not retried a second time', async () => {
  const { live, served } = setup();
  const a = lost();
  const b = lost();
  live.addReplica(spec('a', 'node-a'), a, 'ready');
  live.addReplica(spec('b', 'node-b'), b, 'ready');
  const answer = await send(live, served, 1);
  assert.equal(answer.ok, false);
  assert.equal(a.calls + b.calls, 2, 'one try and one retry');
  assert.equal(live.stats.retries, 1);
  live.close();
});

test('removing a replica mid-batch still answers its requests exactly once', async () => {
  const { live, served } = setup();
  let release: (() => void) | undefined;
  const slow = new FakeBackend(() => new Promise((_, reject) => (release = () => reject(new NodeLostError('node removed')))));
  live.addReplica(spec('a', 'node-a'), slow, 'ready');
  const pending = send(live, served, 7);
  await new Promise((resolve) => setImmediate(resolve));
  assert.ok(release, 'the batch is running on a');
  live.addReplica(spec('b', 'node-b'), echo(), 'ready');
  live.removeReplica('a');
  release();
  const answer = await pending;
  assert.ok(answer.ok);
  assert.equal(answer.replica.node, 'node-b');
  assert.equal(live.stats.duplicateAnswers, 0);
  live.close();
});

test('the exactly-once guard drops and counts a second answer', () => {
  const { live } = setup();
  const answers: LiveOutcome[] = [];
  const payload = { answered: false, resolve: (o: LiveOutcome) => answers.push(o) };
  const guard = live as unknown as { answer(p: typeof payload, o: LiveOutcome): void };
  const refusal: LiveOutcome = { ok: false, code: 'REPLICA_FAILED', message: 'x', retryAfterSeconds: 1 };
  guard.answer(payload, refusal);
  guard.answer(payload, refusal);
  assert.equal(answers.length, 1);
  assert.equal(live.stats.duplicateAnswers, 1);
  live.close();
});

test('a replica whose node has not reported within staleAfterMs is passed over while a fresh one is ready', async () => {
  let now = 0;
  const clock = { now: () => now, wallNow: () => now };
  const served: ServedVersion = { model: 'm', version: '1', state: 'READY', reason: undefined, digest: 'sha256:x', config: modelConfig, backend: echo(), fallbackRules: new Map(), driftReference: undefined };
  const live = new LiveScheduler({ clock, log: silentLogger(), staleAfterMs: 50 });
  live.addVersion(served, config, [], false);
  live.addReplica(spec('a', 'node-a'), echo(), 'ready');
  live.addReplica(spec('b', 'node-b'), echo(), 'ready');
  now = 100;
  live.report('b');
  for (let i = 0; i < 5; i++) {
    const answer = await send(live, served, i);
    assert.ok(answer.ok && answer.replica.node === 'node-b', 'a is stale');
  }
  now = 1000;
  live.report('a');
  const answer = await send(live, served, 9);
  assert.ok(answer.ok && answer.replica.node === 'node-a', 'now b is stale');
  live.close();
});

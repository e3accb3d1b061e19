import { test } from 'node:test';
import { existsSync, readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { loadOnnxBackend } from '../../src/runtime/onnx/onnx-backend.js';
import { InlineRunner } from '../../src/runtime/onnx/inline-runner.js';
import { currentNice } from '../../src/core/thread-priority.js';
import { matmulChain } from '../fixtures/onnx-fixtures.js';

const DIM = 512;

function input(rows: number) {
  return { x: { datatype: 'FP32' as const, shape: [rows, DIM], data: new Float32Array(rows * DIM).fill(0.5) } };
}

test('inference runs off the event loop: timers keep firing during a long run', async () => {
  // ~200 chained 512x512 MatMuls at batch 256: hundreds of ms of native work.
  const { backend } = await loadOnnxBackend({ name: 'slow', bytes: matmulChain(DIM, 200), executionProvider: 'cpu', intraOpThreads: 1, instances: 1, inlineBelowMs: 0 });
  try {
    let ticks = 0;
    let running = true;
    const tick = (): void => {
      if (!running) return;
      ticks++;
      setTimeout(tick, 1);
    };
    setTimeout(tick, 1);
    const result = await backend.run(input(256), ['y']);
    running = false;
    // Had run() blocked this thread, no timer could fire until it returned.
    assert.ok(result.computeMs > 50, `the model should be slow enough to tell (${result.computeMs} ms)`);
    assert.ok(ticks >= 10, `only ${ticks} timer ticks during ${result.computeMs.toFixed(0)} ms of inference`);
  } finally {
    await backend.unload();
  }
});

test('runs report queue and compute time, and queue behind one another on one instance', async () => {
  const { backend, signature } = await loadOnnxBackend({ name: 'slow', bytes: matmulChain(DIM, 20), executionProvider: 'cpu', intraOpThreads: 1, instances: 1, inlineBelowMs: 0 });
  try {
    assert.deepEqual(signature.inputs.map((i) => [i.name, i.type, i.shape]), [['x', 'float32', ['batch', DIM]]]);
    const runs = [backend.run(input(64), ['y']), backend.run(input(64), ['y'])];
    assert.equal(backend.inFlight, 2);
    const [first, second] = await Promise.all(runs);
    assert.ok(first && second);
    assert.equal(backend.inFlight, 0);
    assert.ok(second.queueMs >= first.computeMs * 0.5, `the second run waited for the first (${second.queueMs} vs ${first.computeMs})`);
    assert.deepEqual(first.outputs.y?.shape, [64, DIM]);
    assert.equal(first.outputs.y?.datatype, 'FP32');
  } finally {
    await backend.unload();
  }
});

test('unloading lets in-flight runs finish and refuses new work', async () => {
  const { backend } = await loadOnnxBackend({ name: 'small', bytes: matmulChain(8, 1), executionProvider: 'cpu', intraOpThreads: 1, instances: 2, inlineBelowMs: 0 });
  const pending = backend.run({ x: { datatype: 'FP32', shape: [1, 8], data: new Float32Array(8).fill(1) } }, ['y']);
  await backend.unload();
  const finished = await pending;
  assert.deepEqual(finished.outputs.y?.shape, [1, 8], 'the run in flight completed');
  await assert.rejects(backend.run({ x: { datatype: 'FP32', shape: [1, 8], data: new Float32Array(8) } }, ['y']), /unloading/);
});

test('an artifact ONNX Runtime cannot load is refused with its reason', async () => {
  await assert.rejects(
    loadOnnxBackend({ name: 'junk', bytes: new TextEncoder().encode('not onnx'), executionProvider: 'cpu', intraOpThreads: 1, instances: 1, inlineBelowMs: 0 }),
    /ONNX Runtime refused the model/,
  );
});

test('choosing an execution provider this install lacks is refused with a clear reason', async (t) => {
  const cudaLibrary = new URL('../../node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so', import.meta.url);
  if (existsSync(cudaLibrary)) return t.skip('this install has the CUDA provider');
  await assert.rejects(
    loadOnnxBackend({ name: 'small', bytes: matmulChain(8, 1), executionProvider: 'cuda', intraOpThreads: 1, instances: 1, inlineBelowMs: 0 }),
    /^BackendError: execution provider 'cuda' is not available here: .*set onnx\.execution_provider to cpu/,
  );
});

test('tiny batches run inline once the workers have shown the model is faster than a thread hop', async () => {
  const { backend } = await loadOnnxBackend({ name: 'tiny', bytes: matmulChain(8, 1), executionProvider: 'cpu', intraOpThreads: 1, instances: 1, inlineBelowMs: 0.5 });
  const slow = await loadOnnxBackend({ name: 'slow', bytes: matmulChain(DIM, 20), executionProvider: 'cpu', intraOpThreads: 1, instances: 1, inlineBelowMs: 0.5 });
  try {
    const tinyInput = () => ({ x: { datatype: 'FP32' as const, shape: [1, 8], data: new Float32Array(8).fill(1) } });
    const first = await backend.run(tinyInput(), ['y']);
    assert.equal(first.inline, false, 'the first batch measures the model in a worker');
    const runs = [];
    for (let i = 0; i < 64; i++) runs.push(await backend.run(tinyInput(), ['y']));
    // The first worker runs may be slow (cold); once one measured under the bound, every batch
    // runs inline. No batch is sent to a worker only to measure it: such samples were the p99 at low load.
    const firstInline = runs.findIndex((r) => r.inline);
    assert.ok(firstInline >= 0 && firstInline < 16, `tiny batches moved inline (first at ${firstInline})`);
    assert.ok(runs.slice(firstInline).every((r) => r.inline), 'no batch after that went to a worker');
    assert.deepEqual(runs.at(-1)?.outputs.y?.shape, [1, 8]);
    for (let i = 0; i < 8; i++) assert.equal((await slow.backend.run(input(64), ['y'])).inline, false, 'a slow model never runs on the event loop');
  } finally {
    await backend.unload();
    await slow.backend.unload();
  }
});

test('inline runs keep the estimate current: once they are slower than the bound, batches go back to the workers', async () => {
  const runner = await InlineRunner.create(matmulChain(8, 1), 'cpu', 0.5);
  assert.ok(runner);
  try {
    const feeds = { x: { type: 'float32' as const, dims: [1, 8], data: new Float32Array(8).fill(1) } };
    assert.equal(runner.wants(feeds), false, 'nothing measured yet: the first batch goes to a worker');
    runner.observe(0.1);
    assert.equal(runner.wants(feeds), true);
    await runner.run(feeds, ['y']);
    // A window of slow readings (inline or not) takes the minimum over the bound.
    for (let i = 0; i < 16; i++) runner.observe(0.9);
    assert.equal(runner.wants(feeds), false);
    runner.observe(0.2);
    assert.equal(runner.wants(feeds), true, 'one fast reading brings it back');
  } finally {
    await runner.close();
  }
});

test('a worker that dies fails its runs with an error and is replaced', async () => {
  const { backend } = await loadOnnxBackend({ name: 'small', bytes: matmulChain(8, 1), executionProvider: 'cpu', intraOpThreads: 1, instances: 1, inlineBelowMs: 0 });
  const tiny = () => ({ x: { datatype: 'FP32' as const, shape: [1, 8], data: new Float32Array(8).fill(1) } });
  try {
    // Reach the worker as a crash would: end its thread under the backend's feet.
    const internals = backend as unknown as { instances: { stop(): Promise<void>; alive: boolean }[] };
    await internals.instances[0]!.stop();
    await assert.rejects(backend.run(tiny(), ['y']), /BackendError|every onnx worker|stopped/, 'the run on a dead worker fails loudly');
    let recovered = false;
    for (let attempt = 0; attempt < 50 && !recovered; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      recovered = await backend.run(tiny(), ['y']).then(() => true, () => false);
    }
    assert.ok(recovered, 'a replacement worker serves again');
    assert.equal(internals.instances[0]!.alive, true);
  } finally {
    await backend.unload();
  }
});

/** A thread's nice value, from /proc (field 19 of its stat); the main thread's id is the pid. */
function threadNice(tid: number): number {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

/**
 * The kernel ids of a backend's worker threads, as each reported at start. Why not count the
 * threads at a nice value: a thread a lowered worker starts (ONNX Runtime's, libuv's) inherits
 * its nice, and whether one is started depends on what this process ran before.
 */
function workerThreadIds(backend: object): number[] {
  const internals = backend as { instances: { boost: { tid: number | undefined } }[] };
  return internals.instances.map((instance) => {
    assert.ok(instance.boost.tid !== undefined, 'the worker reported its thread id');
    return instance.boost.tid;
  });
}

// The process's own nice: `nice -n 10 npm test` starts every thread at 10, not 0, so the
// workers' nice values are chosen below the process's priority from there (worker_nice is an
// absolute nice value, 19 at most).
const PROCESS_NICE = currentNice();

test('worker threads run at the configured nice value on Linux; the event loop keeps its own', { skip: (process.platform !== 'linux' && 'Linux only') || (PROCESS_NICE > 12 && 'the process runs too low to lower its workers by 7') }, async () => {
  const nice = PROCESS_NICE + 7;
  const { backend } = await loadOnnxBackend({ name: 'niced', bytes: matmulChain(8, 1), executionProvider: 'cpu', intraOpThreads: 1, instances: 2, inlineBelowMs: 0, workerNice: nice });
  try {
    const workers = workerThreadIds(backend);
    assert.equal(new Set(workers).size, 2, 'one thread per instance');
    assert.deepEqual(workers.map(threadNice), [nice, nice], `each worker thread at nice ${nice}`);
    assert.equal(threadNice(process.pid), PROCESS_NICE, 'the main thread is untouched');
  } finally {
    await backend.unload();
  }
});

/** Whether this process may raise a thread's priority back: root (CAP_SYS_NICE). */
function mayRaisePriority(): boolean {
  return process.platform === 'linux' && process.getuid?.() === 0;
}

test('a worker lowered by worker_nice runs critical (urgent) batches at the process priority, and is lowered again after', { skip: (!mayRaisePriority() && 'raising a thread priority needs root or CAP_SYS_NICE') || (PROCESS_NICE > 10 && 'the process runs too low to lower its workers by 9') }, async () => {
  const nice = PROCESS_NICE + 9;
  const { backend } = await loadOnnxBackend({ name: 'urgent', bytes: matmulChain(DIM, 20), executionProvider: 'cpu', intraOpThreads: 1, instances: 1, inlineBelowMs: 0, workerNice: nice });
  try {
    const [worker = 0] = workerThreadIds(backend);
    // 1 while the worker is at its lowered nice, 0 while it runs at the process's own.
    const lowered = (): number => {
      const now = threadNice(worker);
      assert.ok(now === nice || now === PROCESS_NICE, `the worker is at nice ${now}`);
      return now === nice ? 1 : 0;
    };
    assert.equal(lowered(), 1, 'the worker starts lowered');
    const plain = backend.run(input(8), ['y']);
    assert.equal(lowered(), 1, 'an ordinary batch leaves it lowered');
    await plain;
    const urgent = backend.run(input(8), ['y'], { urgent: true });
    assert.equal(lowered(), 0, 'raised as soon as the urgent batch is handed over');
    const second = backend.run(input(8), ['y'], { urgent: true });
    await urgent;
    assert.equal(lowered(), 0, 'still raised while another urgent batch waits');
    await second;
    assert.equal(lowered(), 1, 'lowered again when the last urgent batch is done');
  } finally {
    await backend.unload();
  }
});

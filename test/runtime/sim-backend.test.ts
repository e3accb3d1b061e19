import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimBackend, type SimTimers } from '../../src/runtime/sim/sim-backend.js';
import type { ModelContract } from '../../src/core/contract.js';

const CONTRACT: ModelContract = {
  maxBatchSize: 64,
  inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 8], batchAxis: 0, description: undefined }],
  outputs: [
    { name: 'score', datatype: 'FP32', shape: [-1, 1], batchAxis: 0, description: undefined },
    { name: 'label', datatype: 'BYTES', shape: [-1], batchAxis: 0, description: undefined },
    { name: 'state', datatype: 'INT64', shape: [2, -1], batchAxis: undefined, description: undefined },
  ],
};

/** A clock the test moves by hand: delays resolve only when it passes their time. */
function manualTimers(): SimTimers & { advance(ms: number): void; pending(): number } {
  let now = 0;
  const waiting: { at: number; resolve: () => void }[] = [];
  return {
    now: () => now,
    delay: (ms) => new Promise<void>((resolve) => waiting.push({ at: now + ms, resolve })),
    advance(ms) {
      now += ms;
      for (const w of waiting.filter((x) => x.at <= now)) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve();
      }
    },
    pending: () => waiting.length,
  };
}

test('a simulated batch takes the profile time on the injected clock and answers contract-shaped zeros, labelled simulated', async () => {
  const timers = manualTimers();
  const backend = new SimBackend({ contract: CONTRACT, hardwareClass: 'h200', device: 'sim:h200:0', serviceMs: (rows) => 2 + rows, timers });
  assert.deepEqual(backend.describe(), { kind: 'sim', hardwareClass: 'h200', device: 'sim:h200:0', simulated: true });
  let done = false;
  const run = backend.run({ x: { datatype: 'FP32', shape: [3, 8], data: new Float32Array(24) } }, ['score', 'label', 'state']).then((r) => {
    done = true;
    return r;
  });
  await Promise.resolve();
  assert.equal(backend.inFlight, 1);
  timers.advance(4.9);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(done, false, 'not before the profile time (2 + 3 rows = 5 ms)');
  timers.advance(0.1);
  const result = await run;
  assert.equal(result.computeMs, 5);
  assert.deepEqual(result.outputs.score, { datatype: 'FP32', shape: [3, 1], data: new Float32Array(3) });
  assert.deepEqual(result.outputs.label, { datatype: 'BYTES', shape: [3], data: ['', '', ''] });
  assert.deepEqual(result.outputs.state?.shape, [2, 1]);
  assert.equal(backend.inFlight, 0);
  await backend.unload();
  await assert.rejects(backend.run({ x: { datatype: 'FP32', shape: [1, 8], data: new Float32Array(8) } }, ['score']), /unloading/);
});

/** The replicas a READY version gets from its own backend, and how many batches each keeps in flight. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileConfig } from '../../src/core/config.js';
import { ownReplicas } from '../../src/serving/live/replica-plans.js';
import type { Backend } from '../../src/runtime/backend.js';

function backend(parts?: Backend[]): Backend {
  return {
    describe: () => ({ kind: parts ? 'upstream' : 'onnx', hardwareClass: 'cpu-x86', device: 'cpu:0', simulated: false }),
    inFlight: 0,
    run: () => Promise.reject(new Error('not run here')),
    unload: () => Promise.resolve(),
    ...(parts ? { parts } : {}),
  } as unknown as Backend;
}

test('a local ONNX replica keeps a second batch in its worker inbox; one per instance', () => {
  const config = compileConfig(new Map([['onnx.instances', { value: 2, source: 'test' }]]), process.cwd());
  const plans = ownReplicas(backend(), config, undefined);
  assert.equal(plans.length, 2);
  for (const plan of plans) assert.equal(plan.pipelineDepth, 2);
});

test('upstream slots keep one batch each: the pool connection is the unit of concurrency', () => {
  const config = compileConfig(new Map(), process.cwd());
  const plans = ownReplicas(backend([backend(), backend()]), config, { tier: 'onprem', costPerHour: 0, connections: 3 });
  assert.equal(plans.length, 6);
  for (const plan of plans) assert.equal(plan.pipelineDepth, undefined);
});

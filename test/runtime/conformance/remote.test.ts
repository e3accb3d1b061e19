/**
 * The Backend suite over a RemoteBackend: each batch crosses the versioned data plane to a real
 * Agent in this process, which hosts the replica on a real ONNX backend (the reshape model of
 * onnx.test.ts). The agent joins a fake control plane (test/helpers/fake-control-plane.ts) rather
 * than a whole gateway: the gateway adds nothing on this path, and the fake hands us the node
 * secret that a gateway's NodeConnection presents.
 */
import { Agent } from '../../../src/agent/agent.js';
import type { Device } from '../../../src/hardware/device.js';
import type { LoadBackend, RunOptions } from '../../../src/runtime/backend.js';
import { loadOnnxBackend } from '../../../src/runtime/onnx/onnx-backend.js';
import { NodeConnection, RemoteBackend } from '../../../src/runtime/remote/remote-backend.js';
import { silentLogger } from '../../../src/telemetry/logger.js';
import { startFakeControlPlane } from '../../helpers/fake-control-plane.js';
import { digestOf, reshapeToThrees, scratchRepository, writeVersion } from '../../fixtures/onnx-fixtures.js';
import { backendSuite } from './backend-suite.js';

const cpu: Device = { id: 'cpu:0', kind: 'cpu', vendor: 'amd', name: 'test cpu', class: 'cpu-x86', memoryBytes: 8 * 2 ** 30, tier: 'onprem', real: true, source: 'os' };

const model = reshapeToThrees();
const repository = scratchRepository();
writeVersion(repository, 'reshape', '1', {
  'model.onnx': model,
  'model.yaml': `description: Reshape to rows of three (test fixture)
backend: onnx
artifact: model.onnx
digest: ${digestOf(model)}
max_batch_size: 8
inputs:
  - { name: x, datatype: FP32, shape: [-1, -1], batch_axis: 0 }
outputs:
  - { name: y, datatype: FP32, shape: [-1, 3], batch_axis: 0 }
`,
});

const rows = (seed: number): number => 1 + (seed % 3);
const values = (seed: number): Float32Array => Float32Array.from({ length: rows(seed) * 3 }, (_, i) => seed * 10 + i * 0.25);

backendSuite('remote (agent over the data plane)', { kind: 'onnx', simulated: false }, async () => {
  // The node's backend waits on this gate before each run: how the suite holds a batch in flight on the node.
  let gate: Promise<void> | undefined;
  const gated: LoadBackend = async (spec) => {
    const loaded = await loadOnnxBackend(spec);
    const { backend } = loaded;
    const run = backend.run.bind(backend);
    backend.run = async (inputs, names, options?: RunOptions) => {
      await gate;
      return run(inputs, names, options);
    };
    return loaded;
  };
  const control = await startFakeControlPlane([{ replica: 'reshape:1@edge-1#0', model: 'reshape', version: '1', digest: digestOf(model) }]);
  const agent = new Agent({
    joinUrl: control.url,
    token: 'test-token-0123456789',
    name: 'edge-1',
    tier: 'onprem',
    host: '127.0.0.1',
    port: 0,
    modelRepository: repository,
    devices: [cpu],
    loadBackend: gated,
    onnx: { executionProvider: 'cpu', intraOpThreads: 1, instances: 1, inlineBelowMs: 0 },
    log: silentLogger(),
  });
  let connection: NodeConnection | undefined;
  const dispose = async (): Promise<void> => {
    await connection?.close();
    await agent.stop();
    await control.close();
  };
  try {
    await agent.start();
    await control.ready('reshape:1@edge-1#0');
    connection = new NodeConnection(agent.address, control.secret, 10_000);
    // The description a gateway gives a replica on this node's CPU (see cluster.addReplica).
    const backend = new RemoteBackend(connection, 'reshape:1@edge-1#0', { kind: 'onnx', hardwareClass: 'cpu-x86', device: 'edge-1/cpu:0', simulated: false, executionProvider: 'cpu' });
    return {
      backend,
      outputNames: ['y'],
      inputs: (seed) => ({ x: { datatype: 'FP32', shape: [rows(seed), 3], data: values(seed) } }),
      expected: (seed) => ({ y: { datatype: 'FP32', shape: [rows(seed), 3], data: values(seed) } }),
      failing: () => ({ x: { datatype: 'FP32', shape: [1, 4], data: new Float32Array([1, 2, 3, 4]) } }),
      hold() {
        let release!: () => void;
        const mine = new Promise<void>((resolve) => (release = resolve));
        gate = mine;
        return () => {
          if (gate === mine) gate = undefined;
          release();
        };
      },
      dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
});

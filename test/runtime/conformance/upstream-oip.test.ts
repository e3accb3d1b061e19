/**
 * The Backend suite over the `upstream` backend speaking OIP to a fake server on 127.0.0.1, with
 * tensors as JSON and as binary data; two URLs, so runs spread over two endpoint parts.
 */
import { parseModelConfig } from '../../../src/registry/model-config.js';
import { loadUpstreamBackend } from '../../../src/runtime/upstream/load-upstream.js';
import { startFakeOip } from '../../helpers/fake-upstreams.js';
import { backendSuite, type BackendFactory } from './backend-suite.js';

const rows = (seed: number): number => 1 + (seed % 3);
const values = (seed: number): Float32Array => Float32Array.from({ length: rows(seed) * 3 }, (_, i) => seed * 10 + i * 0.25);

function factory(binary: boolean): BackendFactory {
  return async () => {
    const fake = await startFakeOip({ input: { name: 'x', datatype: 'FP32', shape: [-1, 3] }, output: { name: 'y', datatype: 'FP32', shape: [-1, 3] }, binary });
    const config = parseModelConfig(`backend: upstream
upstream: { protocol: oip, urls: ['${fake.url}', '${fake.url}'], model: echo, connections: 4 }
max_batch_size: 8
inputs:
  - { name: x, datatype: FP32, shape: [-1, 3], batch_axis: 0 }
outputs:
  - { name: y, datatype: FP32, shape: [-1, 3], batch_axis: 0 }
`);
    try {
      const { backend } = await loadUpstreamBackend({ model: 'echo', settings: config.upstream!, contract: config.contract, env: {}, now: () => performance.now() });
      return {
        backend,
        outputNames: ['y'],
        inputs: (seed) => ({ x: { datatype: 'FP32', shape: [rows(seed), 3], data: values(seed) } }),
        expected: (seed) => ({ y: { datatype: 'FP32', shape: [rows(seed), 3], data: values(seed) } }),
        failing: () => ({ x: { datatype: 'FP32', shape: [1, 3], data: new Float32Array([-1, -1, -1]) } }),
        hold: () => fake.hold(),
        openConnections: () => fake.openConnections(),
        dispose: () => fake.close(),
      };
    } catch (error) {
      await fake.close();
      throw error;
    }
  };
}

backendSuite('upstream oip (json)', { kind: 'upstream', simulated: false }, factory(false));
backendSuite('upstream oip (binary tensors)', { kind: 'upstream', simulated: false }, factory(true));

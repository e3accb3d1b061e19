/** The Backend suite over the `upstream` backend speaking the OpenAI chat API to a fake server on 127.0.0.1. */
import { parseModelConfig } from '../../../src/registry/model-config.js';
import { loadUpstreamBackend } from '../../../src/runtime/upstream/load-upstream.js';
import { startFakeOpenAi } from '../../helpers/fake-upstreams.js';
import { backendSuite } from './backend-suite.js';

const texts = (seed: number): string[] => Array.from({ length: 1 + (seed % 3) }, (_, i) => `text ${seed}.${i}`);

backendSuite('upstream openai (chat)', { kind: 'upstream', simulated: false }, async () => {
  const fake = await startFakeOpenAi();
  const config = parseModelConfig(`backend: upstream
upstream: { protocol: openai, url: '${fake.url}', endpoint: chat, model: tiny-chat, connections: 4 }
max_batch_size: 8
inputs:
  - { name: prompt, datatype: BYTES, shape: [-1], batch_axis: 0 }
outputs:
  - { name: answer, datatype: BYTES, shape: [-1], batch_axis: 0 }
`);
  try {
    const { backend } = await loadUpstreamBackend({ model: 'tiny-chat', settings: config.upstream!, contract: config.contract, env: {}, now: () => performance.now() });
    return {
      backend,
      outputNames: ['answer'],
      inputs: (seed) => ({ prompt: { datatype: 'BYTES', shape: [texts(seed).length], data: texts(seed) } }),
      expected: (seed) => ({ answer: { datatype: 'BYTES', shape: [texts(seed).length], data: texts(seed).map((t) => `echo:${t}`) } }),
      failing: () => ({ prompt: { datatype: 'BYTES', shape: [1], data: ['fail'] } }),
      hold: () => fake.hold(),
      openConnections: () => fake.openConnections(),
      dispose: () => fake.close(),
    };
  } catch (error) {
    await fake.close();
    throw error;
  }
});

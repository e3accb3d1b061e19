/** The Backend suite over the `sim` backend, on timers whose time passes at once unless held. */
import type { ModelContract } from '../../../src/core/contract.js';
import { SimBackend, type SimTimers } from '../../../src/runtime/sim/sim-backend.js';
import { backendSuite } from './backend-suite.js';

const CONTRACT: ModelContract = {
  maxBatchSize: 16,
  inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 2], batchAxis: 0, description: undefined }],
  outputs: [
    { name: 'score', datatype: 'FP32', shape: [-1, 1], batchAxis: 0, description: undefined },
    { name: 'label', datatype: 'BYTES', shape: [-1], batchAxis: 0, description: undefined },
    { name: 'state', datatype: 'INT64', shape: [2, -1], batchAxis: undefined, description: undefined },
  ],
};

/** Delays end at once (the clock jumps by their length) unless held; held ones end on release. */
function holdableTimers(): SimTimers & { hold(): () => void } {
  let now = 0;
  let gate: Promise<void> | undefined;
  return {
    now: () => now,
    async delay(ms) {
      await gate;
      now += ms;
    },
    hold() {
      let release!: () => void;
      gate = new Promise((resolve) => (release = resolve));
      return () => {
        gate = undefined;
        release();
      };
    },
  };
}

/** The sim answers zeros of the contract's shapes: its runs tell each other apart by their rows. */
const rows = (seed: number): number => seed + 1;

backendSuite(
  'sim',
  { kind: 'sim', simulated: true, cannotFail: 'a simulated device answers every contract-valid batch: it has no failure of its own to provoke' },
  async () => {
    const timers = holdableTimers();
    const backend = new SimBackend({ contract: CONTRACT, hardwareClass: 'h200', device: 'sim:h200:0', serviceMs: (n) => 2 + n, timers });
    return {
      backend,
      outputNames: ['score', 'label'],
      inputs: (seed) => ({ x: { datatype: 'FP32', shape: [rows(seed), 2], data: new Float32Array(rows(seed) * 2).fill(seed) } }),
      expected: (seed) => ({
        score: { datatype: 'FP32', shape: [rows(seed), 1], data: new Float32Array(rows(seed)) },
        label: { datatype: 'BYTES', shape: [rows(seed)], data: Array.from({ length: rows(seed) }, () => '') },
      }),
      hold: () => timers.hold(),
      dispose: async () => undefined,
    };
  },
);

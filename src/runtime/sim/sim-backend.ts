/**
 * The `sim` backend: a declared device this machine does not have. A batch "computes" for the
 * service time its latency profile gives for the batch size (waited on an injected timer, so
 * tests own time), and answers outputs of the contract's datatypes and shapes filled with
 * zeros. Its description always says simulated: callers, metrics and the CLI show it so.
 */
import type { ModelContract, TensorSpec } from '../../core/contract.js';
import { DATATYPES } from '../../core/datatypes.js';
import { elementCount, type Tensor, type TensorMap } from '../../core/tensor.js';
import { BackendError, type Backend, type BackendDescription, type BatchResult } from '../backend.js';
import { RunsInFlight } from '../runs-in-flight.js';

export interface SimTimers {
  now(): number;
  /** Resolves after `ms` of this clock's time. */
  delay(ms: number): Promise<void>;
}

export const realTimers: SimTimers = {
  now: () => performance.now(),
  delay: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface SimBackendSpec {
  readonly contract: ModelContract;
  readonly hardwareClass: string;
  readonly device: string;
  /** Milliseconds one batch of `rows` rows takes on this class (the profile's table). */
  readonly serviceMs: (rows: number) => number;
  readonly timers: SimTimers;
}

/** Rows of the batch: the batch axis of the first batched input, else 1. */
function batchRows(inputs: TensorMap, contract: ModelContract): number {
  for (const spec of contract.inputs) {
    const tensor = inputs[spec.name];
    if (tensor && spec.batchAxis !== undefined) return tensor.shape[spec.batchAxis] ?? 1;
  }
  return 1;
}

/** The output's shape: the batch axis takes the batch's rows, other free dimensions 1. */
function outputTensor(spec: TensorSpec, rows: number): Tensor {
  const shape = spec.shape.map((d, axis) => (axis === spec.batchAxis ? rows : d === -1 ? 1 : d));
  return { datatype: spec.datatype, shape, data: DATATYPES[spec.datatype].allocate(elementCount(shape)) };
}

export class SimBackend implements Backend {
  private readonly running = new RunsInFlight();
  private accepting = true;
  private readonly description: BackendDescription;

  constructor(private readonly spec: SimBackendSpec) {
    this.description = { kind: 'sim', hardwareClass: spec.hardwareClass, device: spec.device, simulated: true };
  }

  describe(): BackendDescription {
    return this.description;
  }

  get inFlight(): number {
    return this.running.size;
  }

  run(inputs: TensorMap, outputNames: readonly string[]): Promise<BatchResult> {
    if (!this.accepting) return Promise.reject(new BackendError('simulated device is unloading'));
    return this.running.track(this.compute(inputs, outputNames));
  }

  private async compute(inputs: TensorMap, outputNames: readonly string[]): Promise<BatchResult> {
    const rows = batchRows(inputs, this.spec.contract);
    const ms = this.spec.serviceMs(rows);
    await this.spec.timers.delay(ms);
    const outputs: TensorMap = Object.create(null) as TensorMap;
    for (const spec of this.spec.contract.outputs) if (outputNames.includes(spec.name)) outputs[spec.name] = outputTensor(spec, rows);
    return { outputs, queueMs: 0, computeMs: ms, inline: false };
  }

  /** Waits for the runs in flight, as the contract says (it resolved at once before; the Backend suite caught it). */
  async unload(): Promise<void> {
    this.accepting = false;
    await this.running.drained();
  }
}

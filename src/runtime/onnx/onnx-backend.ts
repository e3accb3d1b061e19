/**
 * The `onnx` backend: ONNX Runtime sessions in worker threads, `instances` of them per model
 * version, each run sent to the instance with the fewest runs in flight.
 */
import { DATATYPES, datatypeFromOrt } from '../../core/datatypes.js';
import type { TensorMap } from '../../core/tensor.js';
import { describeCpu } from '../../hardware/cpu.js';
import { BackendError, type Backend, type BackendDescription, type BackendLoadSpec, type BatchResult, type LoadedBackend, type RunOptions } from '../backend.js';
import { OnnxInstance } from './onnx-instance.js';
import { InlineRunner } from './inline-runner.js';
import { RunsInFlight } from '../runs-in-flight.js';
import type { WireTensor, WorkerInit } from './protocol.js';

class OnnxBackend implements Backend {
  private accepting = true;
  private readonly replacing = new Set<number>();
  /**
   * Inline runs not yet settled. An inline run waits a turn of the event loop inside ONNX Runtime,
   * so it is in flight like a worker's, and unload must not free its session under it (the
   * Backend suite caught both).
   */
  private readonly inlineRuns = new RunsInFlight();
  private unloaded: Promise<void> | undefined;

  constructor(
    private readonly instances: OnnxInstance[],
    private readonly description: BackendDescription,
    private readonly init: WorkerInit,
    private readonly log: (message: string) => void,
    private readonly inline: InlineRunner | undefined,
  ) {}

  /** A worker that died (a native crash, out of memory) is replaced; its runs have already failed. */
  private replaceDead(): void {
    this.instances.forEach((instance, index) => {
      if (instance.alive || this.replacing.has(index) || !this.accepting) return;
      this.replacing.add(index);
      OnnxInstance.start(this.init).then(
        ({ instance: fresh }) => {
          this.replacing.delete(index);
          if (this.accepting) this.instances[index] = fresh;
          else void fresh.stop();
        },
        (error: unknown) => {
          this.replacing.delete(index);
          this.log(`could not replace a dead onnx worker: ${error instanceof Error ? error.message : String(error)}`);
        },
      );
    });
  }

  describe(): BackendDescription {
    return this.description;
  }

  get inFlight(): number {
    let total = this.inlineRuns.size;
    for (const instance of this.instances) total += instance.inFlight;
    return total;
  }

  async run(inputs: TensorMap, outputNames: readonly string[], options?: RunOptions): Promise<BatchResult> {
    if (!this.accepting) throw new BackendError('backend is unloading');
    let chosen: OnnxInstance | undefined;
    for (const instance of this.instances) {
      if (instance.alive && (!chosen || instance.inFlight < chosen.inFlight)) chosen = instance;
    }
    if (this.instances.some((i) => !i.alive)) this.replaceDead();
    if (!chosen) throw new BackendError('every onnx worker of this model has died; replacements are starting');
    const feeds: Record<string, WireTensor> = {};
    for (const [name, tensor] of Object.entries(inputs)) {
      feeds[name] = { type: DATATYPES[tensor.datatype].ortType, dims: tensor.shape, data: tensor.data };
    }
    let result;
    if (this.inline?.wants(feeds)) {
      const inline = await this.inlineRuns.track(this.inline.run(feeds, outputNames));
      result = { outputs: inline.outputs, queueMs: 0, computeMs: inline.computeMs, inline: true };
    } else {
      result = { ...(await chosen.run(feeds, outputNames, options?.urgent === true)), inline: false };
      this.inline?.observe(result.computeMs);
    }
    const outputs: TensorMap = {};
    for (const [name, wire] of Object.entries(result.outputs)) {
      const datatype = datatypeFromOrt(wire.type);
      if (!datatype) throw new BackendError(`output '${name}' has ONNX type '${wire.type}', which has no OIP datatype`);
      outputs[name] = { datatype, shape: wire.dims, data: wire.data };
    }
    return { outputs, queueMs: result.queueMs, computeMs: result.computeMs, inline: result.inline };
  }

  /** Once, however often it is called: a second release of the inline session threw. */
  unload(): Promise<void> {
    this.accepting = false;
    this.unloaded ??= (async () => {
      const inlineDone = this.inlineRuns.drained().then(() => this.inline?.close());
      await Promise.all([...this.instances.map((i) => i.stop()), inlineDone]);
    })();
    return this.unloaded;
  }
}

function describeDevice(spec: BackendLoadSpec): BackendDescription {
  if (spec.executionProvider === 'cuda') {
    return { kind: 'onnx', hardwareClass: 'gpu-cuda', device: 'cuda:0', simulated: false, executionProvider: 'cuda' };
  }
  const cpu = describeCpu();
  return { kind: 'onnx', hardwareClass: cpu.hardwareClass, device: cpu.device, simulated: false, executionProvider: 'cpu' };
}

export async function loadOnnxBackend(spec: BackendLoadSpec): Promise<LoadedBackend> {
  const init = { bytes: spec.bytes, executionProvider: spec.executionProvider, intraOpThreads: spec.intraOpThreads, nice: spec.workerNice ?? 0 };
  const started = await Promise.allSettled(Array.from({ length: spec.instances }, () => OnnxInstance.start(init)));
  const failure = started.find((s) => s.status === 'rejected');
  const ok = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  if (failure || ok.length === 0) {
    await Promise.all(ok.map((s) => s.instance.stop()));
    throw failure?.reason instanceof Error ? failure.reason : new BackendError('no onnx instance started');
  }
  const signature = ok[0]!.signature;
  const log = (message: string): void => process.emitWarning(`${spec.name}: ${message}`);
  const inline = await InlineRunner.create(spec.bytes, spec.executionProvider, spec.inlineBelowMs);
  return { backend: new OnnxBackend(ok.map((s) => s.instance), describeDevice(spec), init, log, inline), signature };
}

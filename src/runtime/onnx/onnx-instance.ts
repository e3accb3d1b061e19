/**
 * One worker thread holding one session, and the runs waiting on it. A worker that dies
 * fails its in-flight runs (never silently drops them) and is not reused.
 */
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../core/module-worker.js';
import { currentNice, setThreadNice } from '../../core/thread-priority.js';
import { BackendError, type ArtifactSignature } from '../backend.js';
import { absoluteNow, transferables, type RunMessage, type WireTensor, type WorkerInit, type WorkerReply } from './protocol.js';

function spawnWorker(init: WorkerInit): Worker {
  return startModuleWorker(import.meta.url, 'onnx-worker', init);
}

/** ONNX Runtime's own messages run to many lines of native detail; keep the part a user can act on. */
function describeLoadFailure(init: WorkerInit, message: string): string {
  if (init.executionProvider !== 'cpu' && /Failed to load|shared library|providers_/i.test(message)) {
    return `execution provider '${init.executionProvider}' is not available here: onnxruntime-node ships only its CPU provider unless its install script fetched the ${init.executionProvider.toUpperCase()} libraries; set onnx.execution_provider to cpu or install them`;
  }
  // Strip ANSI colour codes and keep the first line.
  const firstLine = message.replace(/\u001b\[[0-9;]*m/g, '').split('\n')[0] ?? message;
  return `ONNX Runtime refused the model: ${firstLine.slice(0, 500)}`;
}

export interface InstanceResult {
  readonly outputs: Record<string, WireTensor>;
  readonly queueMs: number;
  readonly computeMs: number;
}

/**
 * A worker lowered below the event loop's priority (onnx.worker_nice) takes the process's own
 * priority back while it holds critical work, and is lowered again when the last such run ends.
 * Why: under overload the event loop and the lowered worker share a CPU, and the worker gets a
 * tenth of it; critical requests then waited on a starved worker. Needs the right to raise a
 * thread's priority (CAP_SYS_NICE or RLIMIT_NICE); without it the worker stays lowered.
 */
export class UrgencyBoost {
  private urgent = 0;
  private usable: boolean;

  constructor(
    private readonly tid: number | undefined,
    private readonly lowered: number,
    private readonly normal: number,
    private readonly setNice: (tid: number, nice: number) => boolean = setThreadNice,
  ) {
    this.usable = tid !== undefined && lowered > normal;
  }

  /** Whether the worker runs at the process's priority now. */
  get boosted(): boolean {
    return this.usable && this.urgent > 0;
  }

  begin(): void {
    if (this.usable && this.urgent++ === 0 && !this.setNice(this.tid!, this.normal)) this.usable = false;
  }

  end(): void {
    if (this.usable && --this.urgent === 0) this.setNice(this.tid!, this.lowered);
  }

  /** The worker is gone: its thread id may soon name another thread, which must not be touched. */
  retire(): void {
    this.usable = false;
  }
}

interface Pending {
  readonly urgent: boolean;
  readonly postedAt: number;
  readonly settled: Promise<unknown>;
  readonly resolve: (result: InstanceResult) => void;
  readonly reject: (error: Error) => void;
}

export class OnnxInstance {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private dead: Error | undefined;

  private constructor(
    private readonly worker: Worker,
    private readonly boost: UrgencyBoost,
  ) {
    worker.on('message', (reply: WorkerReply) => this.settle(reply));
    worker.on('error', (error) => this.fail(new BackendError(`onnx worker failed: ${error.message}`, { cause: error })));
    worker.on('exit', (code) => this.fail(new BackendError(`onnx worker exited with code ${code}`)));
  }

  /** Starts a worker and resolves once its session is loaded, with the artifact's signature. */
  static start(init: WorkerInit): Promise<{ instance: OnnxInstance; signature: ArtifactSignature }> {
    return new Promise((resolve, reject) => {
      const worker = spawnWorker(init);
      const onError = (error: Error): void => reject(new BackendError(`onnx worker failed to start: ${error.message}`, { cause: error }));
      const onExit = (code: number): void => reject(new BackendError(`onnx worker exited with code ${code} before its model loaded`));
      worker.once('error', onError);
      worker.once('exit', onExit);
      worker.once('message', (reply: WorkerReply) => {
        worker.off('error', onError);
        worker.off('exit', onExit);
        if (reply.kind === 'ready') resolve({ instance: new OnnxInstance(worker, new UrgencyBoost(reply.tid, init.nice, currentNice())), signature: reply.signature });
        else {
          void worker.terminate();
          reject(new BackendError(reply.kind === 'load-failed' ? describeLoadFailure(init, reply.message) : 'onnx worker sent an unexpected first message'));
        }
      });
    });
  }

  get inFlight(): number {
    return this.pending.size;
  }

  get alive(): boolean {
    return this.dead === undefined;
  }

  run(feeds: Record<string, WireTensor>, outputNames: readonly string[], urgent = false): Promise<InstanceResult> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    const message: RunMessage = { id, feeds, outputNames };
    let resolve!: (result: InstanceResult) => void;
    let reject!: (error: Error) => void;
    const settled = new Promise<InstanceResult>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    if (urgent) this.boost.begin();
    this.pending.set(id, { urgent, postedAt: absoluteNow(), settled: settled.catch(() => undefined), resolve, reject });
    this.worker.postMessage(message, transferables(Object.values(feeds)));
    return settled;
  }

  /** Waits for the runs in flight to settle, then ends the worker. */
  async stop(): Promise<void> {
    await Promise.allSettled([...this.pending.values()].map((p) => p.settled));
    this.fail(new BackendError('onnx instance stopped'));
    await this.worker.terminate();
  }

  private settle(reply: WorkerReply): void {
    if (reply.kind !== 'result' && reply.kind !== 'error') return;
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if (pending.urgent) this.boost.end();
    if (reply.kind === 'error') {
      pending.reject(new BackendError(`ONNX Runtime failed: ${reply.message}`));
      return;
    }
    pending.resolve({
      outputs: reply.outputs,
      queueMs: Math.max(0, reply.startedAt - pending.postedAt),
      computeMs: Math.max(0, reply.finishedAt - reply.startedAt),
    });
  }

  private fail(error: Error): void {
    this.dead ??= error;
    this.boost.retire();
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}

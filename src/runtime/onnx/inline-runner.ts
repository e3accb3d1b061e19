/**
 * A second session on the event-loop thread for batches so small that the hop to a worker
 * (about 0.13 ms on this machine, measured) costs more than the inference. The backend uses it
 * only while the workers' measured compute time stays under the configured bound, and keeps
 * sending a sample of batches to the workers so that measure stays current.
 */
import ort from 'onnxruntime-node';
import { fromOrtResults, sessionOptions, toOrtFeeds } from './ort-tensors.js';
import type { WireTensor } from './protocol.js';

/** Why: past 16 MiB an extra copy of the model on the main thread costs more memory than it saves. */
export const MAX_INLINE_ARTIFACT_BYTES = 16 * 1024 * 1024;
/** Why: bigger inputs take long to copy and convert whatever the model does with them. */
export const MAX_INLINE_ELEMENTS = 65_536;
/** Every so many batches one still goes to a worker, to keep measuring the real compute time. */
const SAMPLE_EVERY = 32;
/** Worker compute times kept; their minimum is the model's own cost, free of CPU contention. */
const WINDOW = 16;

export class InlineRunner {
  private readonly recent = new Float64Array(WINDOW).fill(Number.POSITIVE_INFINITY);
  private next = 0;
  private workerComputeMs = Number.POSITIVE_INFINITY;
  private calls = 0;

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly belowMs: number,
  ) {}

  static async create(bytes: Uint8Array, executionProvider: string, belowMs: number): Promise<InlineRunner | undefined> {
    if (belowMs <= 0 || executionProvider !== 'cpu' || bytes.byteLength > MAX_INLINE_ARTIFACT_BYTES) return undefined;
    const session = await ort.InferenceSession.create(bytes, sessionOptions('cpu', 1));
    return new InlineRunner(session, belowMs);
  }

  /** Feeds a worker's measured compute time into the estimate. */
  observeWorker(computeMs: number): void {
    // A worker sharing a busy core reports inflated times; the window's minimum does not.
    this.recent[this.next] = computeMs;
    this.next = (this.next + 1) % WINDOW;
    let min = Number.POSITIVE_INFINITY;
    for (const ms of this.recent) if (ms < min) min = ms;
    this.workerComputeMs = min;
  }

  /** Whether this batch should run here rather than in a worker. */
  wants(feeds: Record<string, WireTensor>): boolean {
    this.calls++;
    if (this.workerComputeMs >= this.belowMs || this.calls % SAMPLE_EVERY === 0) return false;
    let elements = 0;
    for (const feed of Object.values(feeds)) elements += feed.data.length;
    return elements <= MAX_INLINE_ELEMENTS;
  }

  async run(feeds: Record<string, WireTensor>, outputNames: readonly string[]): Promise<{ outputs: Record<string, WireTensor>; computeMs: number }> {
    const started = performance.now();
    const results = await this.session.run(toOrtFeeds(feeds), outputNames as string[]);
    return { outputs: fromOrtResults(results, outputNames), computeMs: performance.now() - started };
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

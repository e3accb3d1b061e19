/**
 * A second session on the event-loop thread for batches so small that the hop to a worker
 * costs more than the inference. The backend uses it only while the model's measured compute
 * time stays under the configured bound. Every run feeds that measure, inline or in a worker,
 * so no request is sent to a worker only to keep it current: such samples (one batch in 32)
 * each paid the thread hop and the wake-up of a lowered worker, and at one or two requests in
 * flight they were the slowest few percent of answers, the p99.
 */
import ort from 'onnxruntime-node';
import { BackendError } from '../backend.js';
import { fromOrtResults, sessionOptions, toOrtFeeds } from './ort-tensors.js';
import type { WireTensor } from './protocol.js';

/** Why: past 16 MiB an extra copy of the model on the main thread costs more memory than it saves. */
export const MAX_INLINE_ARTIFACT_BYTES = 16 * 1024 * 1024;
/** Why: bigger inputs take long to copy and convert whatever the model does with them. */
export const MAX_INLINE_ELEMENTS = 65_536;
/** Compute times kept; their minimum is the model's own cost, free of CPU contention. */
const WINDOW = 16;

export class InlineRunner {
  private readonly recent = new Float64Array(WINDOW).fill(Number.POSITIVE_INFINITY);
  private next = 0;
  private computeMs = Number.POSITIVE_INFINITY;

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly belowMs: number,
  ) {}

  static async create(bytes: Uint8Array, executionProvider: string, belowMs: number): Promise<InlineRunner | undefined> {
    if (belowMs <= 0 || executionProvider !== 'cpu' || bytes.byteLength > MAX_INLINE_ARTIFACT_BYTES) return undefined;
    const session = await ort.InferenceSession.create(bytes, sessionOptions('cpu', 1));
    return new InlineRunner(session, belowMs);
  }

  /** Feeds a run's measured compute time (inline or in a worker) into the estimate. */
  observe(computeMs: number): void {
    // A run sharing a busy core reports inflated times; the window's minimum does not.
    this.recent[this.next] = computeMs;
    this.next = (this.next + 1) % WINDOW;
    let min = Number.POSITIVE_INFINITY;
    for (const ms of this.recent) if (ms < min) min = ms;
    this.computeMs = min;
  }

  /** Whether this batch should run here rather than in a worker (never before one run was measured). */
  wants(feeds: Record<string, WireTensor>): boolean {
    if (this.computeMs >= this.belowMs) return false;
    let elements = 0;
    for (const feed of Object.values(feeds)) elements += feed.data.length;
    return elements <= MAX_INLINE_ELEMENTS;
  }

  async run(feeds: Record<string, WireTensor>, outputNames: readonly string[]): Promise<{ outputs: Record<string, WireTensor>; computeMs: number }> {
    const started = performance.now();
    let results;
    try {
      results = await this.session.run(toOrtFeeds(feeds), outputNames as string[]);
    } catch (error) {
      // ONNX Runtime rejects with a plain Error; the Backend contract says BackendError (the Backend suite caught it).
      throw new BackendError(`ONNX Runtime failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    const computeMs = performance.now() - started;
    this.observe(computeMs);
    return { outputs: fromOrtResults(results, outputNames), computeMs };
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

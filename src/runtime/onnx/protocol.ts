/** Messages between the ONNX backend and its worker threads. */
import type { TensorData } from '../../core/datatypes.js';
import type { ArtifactSignature } from '../backend.js';

export interface WireTensor {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: TensorData;
}

export interface WorkerInit {
  readonly bytes: Uint8Array;
  readonly executionProvider: string;
  readonly intraOpThreads: number;
  /** The worker thread's nice value; 0 leaves it at the process's. */
  readonly nice: number;
}

export interface RunMessage {
  readonly id: number;
  readonly feeds: Record<string, WireTensor>;
  readonly outputNames: readonly string[];
}

/** Timestamps are `performance.timeOrigin + performance.now()`, comparable across threads. */
export type WorkerReply =
  | { readonly kind: 'ready'; readonly signature: ArtifactSignature; /** The worker's kernel thread id (Linux), for its priority. */ readonly tid?: number }
  | { readonly kind: 'load-failed'; readonly message: string }
  | { readonly kind: 'result'; readonly id: number; readonly outputs: Record<string, WireTensor>; readonly startedAt: number; readonly finishedAt: number }
  | { readonly kind: 'error'; readonly id: number; readonly message: string };

export function absoluteNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Buffers that can move between threads without a copy (strings cannot). */
export function transferables(tensors: Iterable<WireTensor>): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const tensor of tensors) {
    if (!Array.isArray(tensor.data)) {
      const { buffer, byteOffset, byteLength } = tensor.data;
      // Only a buffer the tensor owns whole may move; a view into a shared one is copied.
      if (buffer instanceof ArrayBuffer && byteOffset === 0 && byteLength === buffer.byteLength) buffers.add(buffer);
    }
  }
  return [...buffers];
}

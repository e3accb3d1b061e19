/**
 * The Backend contract: everything that runs a model (ONNX Runtime here; upstream servers,
 * rules and simulated devices later) does so behind these few members.
 *
 * Ownership: the caller hands `run` decoded, contract-valid inputs and must not touch their
 * buffers again (a backend may transfer them to another thread). The backend owns the batch
 * until its promise settles, and settles it exactly once.
 */
import type { TensorMap } from '../core/tensor.js';
import type { ExecutionProvider } from '../core/config.js';

export interface BackendDescription {
  readonly kind: 'onnx' | 'rules';
  readonly hardwareClass: string;
  readonly device: string;
  /** True when the device is declared, not real; always shown to users as simulated. */
  readonly simulated: boolean;
  readonly executionProvider: ExecutionProvider;
}

export interface BatchResult {
  readonly outputs: TensorMap;
  /** Time the batch waited for a free instance, in ms. */
  readonly queueMs: number;
  /** Time the model itself ran, in ms. */
  readonly computeMs: number;
  /** True when the batch ran on the calling thread (tiny batches, see onnx.inline_below_ms). */
  readonly inline: boolean;
}

export interface Backend {
  describe(): BackendDescription;
  /** Batches accepted and not yet settled. */
  readonly inFlight: number;
  /** Runs one batch and resolves with the named outputs; rejects with a BackendError. */
  run(inputs: TensorMap, outputNames: readonly string[]): Promise<BatchResult>;
  /** Stops accepting work, lets in-flight batches settle, frees the model. */
  unload(): Promise<void>;
}

/** What a backend needs to load one model version. */
export interface BackendLoadSpec {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly executionProvider: ExecutionProvider;
  readonly intraOpThreads: number;
  readonly instances: number;
  /** Batches predicted under this many ms run on the calling thread; 0 = never. */
  readonly inlineBelowMs: number;
}

/** The I/O signature a backend found in the artifact, checked against the contract at load. */
export interface ArtifactSignature {
  readonly inputs: readonly { name: string; type: string; shape: readonly (number | string)[] }[];
  readonly outputs: readonly { name: string; type: string; shape: readonly (number | string)[] }[];
}

export interface LoadedBackend {
  readonly backend: Backend;
  readonly signature: ArtifactSignature;
}

export type LoadBackend = (spec: BackendLoadSpec) => Promise<LoadedBackend>;

/** A failure inside a backend: logged in full, shown to callers only as INFERENCE_FAILED. */
export class BackendError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BackendError';
  }
}

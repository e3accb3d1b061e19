/**
 * The Backend contract: everything that runs a model (ONNX Runtime, an upstream model server,
 * deterministic rules, a simulated device) does so behind these few members.
 *
 * Ownership: the caller hands `run` decoded, contract-valid inputs and must not touch their
 * buffers again (a backend may transfer them to another thread). The backend owns the batch
 * until its promise settles, and settles it exactly once.
 */
import type { TensorMap } from '../core/tensor.js';
import type { ExecutionProvider } from '../core/config.js';
import type { ErrorCode } from '../core/errors.js';
import type { BackendKind } from '../core/backend-kinds.js';

export type { BackendKind } from '../core/backend-kinds.js';

export interface BackendDescription {
  readonly kind: BackendKind;
  readonly hardwareClass: string;
  readonly device: string;
  /** True when the device is declared, not real; always shown to users as simulated. */
  readonly simulated: boolean;
  /** ONNX only; absent for backends that run elsewhere or nowhere. */
  readonly executionProvider?: ExecutionProvider;
  /** Whether requests may be merged into one batch for this backend. @default true */
  readonly mergesBatches?: boolean;
}

/** What the caller knows of a batch beyond its tensors. */
export interface RunOptions {
  /**
   * The batch holds critical work: a backend whose compute threads yield to the event loop
   * (onnx.worker_nice) lets them compete on equal terms while such a batch waits or runs.
   */
  readonly urgent?: boolean;
}

/** The options of a batch holding critical work: one frozen object, not one per batch. */
export const URGENT: RunOptions = Object.freeze({ urgent: true });

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
  run(inputs: TensorMap, outputNames: readonly string[], options?: RunOptions): Promise<BatchResult>;
  /** Stops accepting work, lets in-flight batches settle, frees the model; resolves after all three. Idempotent. */
  unload(): Promise<void>;
  /**
   * Independent parts that each become one scheduler replica (an upstream's endpoints); when
   * absent, the backend is one part served by `onnx.instances` replicas.
   */
  readonly parts?: readonly Backend[];
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
  /** Nice value of each worker thread (see onnx.worker_nice). @default 0 */
  readonly workerNice?: number;
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

/**
 * A failure inside a backend: logged in full. Callers see INFERENCE_FAILED, unless the backend
 * names a catalogue `code` and a `publicMessage` safe to show (an upstream's refusal, say).
 */
export class BackendError extends Error {
  readonly code: ErrorCode | undefined;
  readonly publicMessage: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(message: string, options?: { cause?: unknown; code?: ErrorCode; publicMessage?: string; retryAfterSeconds?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BackendError';
    this.code = options?.code;
    this.publicMessage = options?.publicMessage;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/**
 * A replica on another node, behind the Backend contract: each batch is one keep-alive HTTP
 * request (undici) to the node's data plane, authenticated with the node's secret. A batch
 * whose connection fails, times out or is aborted because the node was lost rejects with a
 * `NodeLostError`, which the gateway may retry once on another replica.
 */
import { Pool } from 'undici';
import type { TensorMap } from '../../core/tensor.js';
import { BackendError, type Backend, type BackendDescription, type BatchResult, type RunOptions } from '../backend.js';
import { RunsInFlight } from '../runs-in-flight.js';
import { DATAPLANE_PATHS, DATAPLANE_PROTOCOL, PROTOCOL_HEADER } from './protocol.js';
import { decodeTensors, encodeTensors, type WireBatchResponse } from './wire.js';

/** The batch never got an answer from its node (connection refused or reset, timeout, node lost, node draining). */
export class NodeLostError extends BackendError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NodeLostError';
  }
}

/** One node's connection pool and the batches in flight on it. */
export class NodeConnection {
  private readonly pool: Pool;
  private readonly inFlight = new Set<AbortController>();

  constructor(
    readonly url: string,
    private readonly secret: string,
    private readonly batchTimeoutMs: number,
    connections = 16,
  ) {
    this.pool = new Pool(url, { connections, keepAliveTimeout: 30_000, pipelining: 1, connectTimeout: Math.min(5000, batchTimeoutMs) });
  }

  get batchesInFlight(): number {
    return this.inFlight.size;
  }

  headers(): Record<string, string> {
    return { authorization: `Bearer ${this.secret}`, [PROTOCOL_HEADER]: DATAPLANE_PROTOCOL, 'content-type': 'application/json' };
  }

  async post(path: string, body: string): Promise<{ status: number; json: unknown }> {
    const abort = new AbortController();
    this.inFlight.add(abort);
    try {
      const response = await this.pool.request({
        method: 'POST',
        path,
        headers: this.headers(),
        body,
        signal: abort.signal,
        headersTimeout: this.batchTimeoutMs,
        bodyTimeout: this.batchTimeoutMs,
      });
      const text = await response.body.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: response.statusCode, json };
    } catch (error) {
      throw new NodeLostError(`node ${this.url} did not answer: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    } finally {
      this.inFlight.delete(abort);
    }
  }

  /** Health check: the node answers on its data plane and knows our secret. */
  async healthy(timeoutMs: number): Promise<boolean> {
    try {
      const response = await this.pool.request({ method: 'GET', path: DATAPLANE_PATHS.health, headers: this.headers(), headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
      await response.body.text();
      return response.statusCode === 200;
    } catch {
      return false;
    }
  }

  /** Fails every batch in flight now (the node was declared lost); their callers may retry elsewhere. */
  abortAll(reason: string): void {
    for (const abort of this.inFlight) abort.abort(new Error(reason));
  }

  async close(): Promise<void> {
    this.abortAll('connection closed');
    await this.pool.destroy();
  }
}

export class RemoteBackend implements Backend {
  private readonly running = new RunsInFlight();
  private accepting = true;

  constructor(
    private readonly connection: NodeConnection,
    private readonly replicaId: string,
    private readonly description: BackendDescription,
  ) {}

  describe(): BackendDescription {
    return this.description;
  }

  get inFlight(): number {
    return this.running.size;
  }

  run(inputs: TensorMap, outputNames: readonly string[], options?: RunOptions): Promise<BatchResult> {
    if (!this.accepting) return Promise.reject(new NodeLostError(`replica ${this.replicaId} was removed`));
    return this.running.track(this.send(inputs, outputNames, options));
  }

  private async send(inputs: TensorMap, outputNames: readonly string[], options: RunOptions | undefined): Promise<BatchResult> {
    // Urgency crosses to the node, whose own compute threads may be lowered (onnx.worker_nice);
    // left out (undefined is not written) when the batch holds no critical work.
    const body = JSON.stringify({ replica: this.replicaId, outputs: outputNames, urgent: options?.urgent === true || undefined, inputs: encodeTensors(inputs) });
    const { status, json } = await this.connection.post(DATAPLANE_PATHS.batch, body);
    if (status === 200) {
      const answer = json as WireBatchResponse | undefined;
      let outputs: TensorMap;
      try {
        outputs = decodeTensors(answer?.outputs);
      } catch (error) {
        // A BackendError, as the contract says: a garbled answer rejected with a raw WireError or TypeError before.
        throw new BackendError(`replica ${this.replicaId} on ${this.connection.url} answered a batch that cannot be read: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      return { outputs, queueMs: Number(answer?.queue_ms) || 0, computeMs: Number(answer?.compute_ms) || 0, inline: false };
    }
    const code = (json as { code?: string } | undefined)?.code ?? 'unknown';
    // Draining, or the replica is not (or no longer) there: the batch never ran, so it may go elsewhere.
    if (status === 503 || status === 404) throw new NodeLostError(`replica ${this.replicaId} on ${this.connection.url} refused the batch (${status} ${code})`);
    throw new BackendError(`replica ${this.replicaId} on ${this.connection.url} failed the batch (${status} ${code})`);
  }

  /** Lets the batches in flight settle, as the contract says (it resolved at once before; the Backend suite caught it). */
  async unload(): Promise<void> {
    this.accepting = false;
    await this.running.drained();
  }
}

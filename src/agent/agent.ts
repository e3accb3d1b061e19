/**
 * The node agent: joins a gateway with the cluster token, reports this machine's devices and
 * telemetry, hosts the replicas the gateway assigns (checking each artifact's digest before it
 * loads), serves batches on an internal data plane authenticated by its node secret, heartbeats,
 * and drains on request (finishes in-flight batches, takes no new ones, tells the gateway).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { freemem, loadavg, totalmem } from 'node:os';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { Pool } from 'undici';
import type { ExecutionProvider } from '../core/config.js';
import type { Device } from '../hardware/device.js';
import { readRepositoryVersion } from '../registry/model-repository.js';
import { loadRulesBackend } from '../runtime/rules/rules-backend.js';
import { URGENT, type Backend, type LoadBackend } from '../runtime/backend.js';
import { ARTIFACT_DIGEST_HEADER, checkProtocol, DATAPLANE_PATHS, DATAPLANE_PROTOCOL, PROTOCOL_HEADER } from '../runtime/remote/protocol.js';
import { decodeTensors, encodeTensors, WireError } from '../runtime/remote/wire.js';
import { checkSignature } from '../runtime/signature-check.js';
import type { Logger } from '../telemetry/logger.js';
import { SWITCHYARD_VERSION } from '../main/version.js';

export interface AgentOptions {
  /** The gateway's base URL. */
  readonly joinUrl: string;
  readonly token: string;
  readonly name: string;
  readonly tier: 'edge' | 'onprem' | 'cloud';
  /** Where the data plane listens. @default 127.0.0.1:0 */
  readonly host: string;
  readonly port: number;
  /** This machine's copy of the model repository; artifacts are read and digest-checked from here. */
  readonly modelRepository: string;
  readonly devices: readonly Device[];
  readonly loadBackend: LoadBackend;
  readonly onnx: { readonly executionProvider: ExecutionProvider; readonly intraOpThreads: number; readonly instances: number; readonly inlineBelowMs: number; readonly workerNice?: number };
  readonly log: Logger;
  /** The data-plane protocol this agent offers; tests change it to check the refusal. */
  readonly protocol?: string;
}

type ReplicaState = 'loading' | 'ready' | 'failed';

interface Hosted {
  readonly id: string;
  readonly model: string;
  readonly version: string;
  readonly digest: string;
  /** `repository`: this machine's copy, digest-checked; `gateway`: a registry version, fetched from the gateway. */
  readonly source: 'repository' | 'gateway';
  state: ReplicaState;
  reason: string | undefined;
  backend: Backend | undefined;
  removed: boolean;
}

export class AgentJoinError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentJoinError';
  }
}

const digestOf = (secret: string): Buffer => createHash('sha256').update(secret).digest();

export class Agent {
  private readonly gateway: Pool;
  private server: FastifyInstance | undefined;
  private dataplaneUrl = '';
  private nodeId: string | undefined;
  private secret: Buffer | undefined;
  private plainSecret: string | undefined;
  private heartbeatMs = 2000;
  private readonly hosted = new Map<string, Hosted>();
  private timer: NodeJS.Timeout | undefined;
  private draining = false;
  private stopped = false;
  private batchesInFlight = 0;
  private beating: Promise<void> | undefined;

  constructor(private readonly options: AgentOptions) {
    this.gateway = new Pool(options.joinUrl, { connections: 2, keepAliveTimeout: 30_000 });
  }

  get address(): string {
    return this.dataplaneUrl;
  }

  get id(): string | undefined {
    return this.nodeId;
  }

  /** Listens, joins and starts heartbeating. Throws AgentJoinError when the gateway refuses us. */
  async start(): Promise<void> {
    this.server = this.buildDataPlane();
    this.dataplaneUrl = await this.server.listen({ host: this.options.host, port: this.options.port });
    // A gateway that is not up yet is waited for; a gateway that refuses us is final.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.join();
        break;
      } catch (error) {
        if (error instanceof AgentJoinError || this.stopped) throw error;
        const waitMs = Math.min(5000, 500 * attempt);
        this.options.log.warn({ err: error, retry_in_ms: waitMs }, `cannot reach the gateway at ${this.options.joinUrl}`);
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    }
    this.schedule(0);
  }

  private async call(path: string, body: unknown, bearer: string): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await this.gateway.request({
      method: 'POST',
      path,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}`, [PROTOCOL_HEADER]: this.options.protocol ?? DATAPLANE_PROTOCOL },
      body: JSON.stringify(body),
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    const text = await response.body.text();
    let json: Record<string, unknown> = {};
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      json = { error: text.slice(0, 200) };
    }
    return { status: response.statusCode, json };
  }

  private async join(): Promise<void> {
    const { status, json } = await this.call(
      '/internal/v1/join',
      { name: this.options.name, dataplane_url: this.dataplaneUrl, tier: this.options.tier, devices: this.options.devices, agent_version: SWITCHYARD_VERSION, protocol: this.options.protocol ?? DATAPLANE_PROTOCOL },
      this.options.token,
    );
    if (status !== 200) throw new AgentJoinError(`the gateway refused to join (${status} ${JSON.stringify(json.code ?? '')}): ${JSON.stringify(json.error ?? '')}`);
    this.nodeId = String(json.node_id);
    this.plainSecret = String(json.node_secret);
    this.secret = digestOf(this.plainSecret);
    this.heartbeatMs = Number(json.heartbeat_ms) || 2000;
    this.options.log.info({ node_id: this.nodeId, dataplane: this.dataplaneUrl, heartbeat_ms: this.heartbeatMs, protocol: json.protocol }, `agent ${this.options.name} joined ${this.options.joinUrl}`);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.beat().finally(() => this.schedule(this.heartbeatMs));
    }, delayMs);
  }

  /** One heartbeat; overlapping calls share the one in flight. */
  private beat(): Promise<void> {
    this.beating ??= this.sendHeartbeat().finally(() => {
      this.beating = undefined;
    });
    return this.beating;
  }

  private async sendHeartbeat(): Promise<void> {
    if (!this.nodeId || !this.plainSecret) return;
    const replicas = [...this.hosted.values()].map((h) => ({ replica: h.id, state: h.state, reason: h.reason }));
    const telemetry = { memory_total_bytes: totalmem(), memory_free_bytes: freemem(), load_1m: loadavg()[0], batches_in_flight: this.batchesInFlight };
    let answer;
    try {
      answer = await this.call(`/internal/v1/nodes/${this.nodeId}/heartbeat`, { draining: this.draining, replicas, telemetry }, this.plainSecret);
    } catch (error) {
      this.options.log.warn({ err: error }, 'heartbeat failed; retrying next interval');
      return;
    }
    // Stopped while the heartbeat was out: its assignments would load models nobody unloads.
    if (this.stopped) return;
    if (answer.status === 410 && !this.draining) {
      // Declared dead (we were stopped or cut off): start over as a new node.
      this.options.log.warn({ node_id: this.nodeId }, 'the gateway declared this node dead; joining again');
      await this.unloadAll();
      try {
        await this.join();
      } catch (error) {
        this.options.log.error({ err: error }, 'joining again failed; retrying next interval');
      }
      return;
    }
    if (answer.status !== 200) {
      this.options.log.warn({ status: answer.status, code: answer.json.code }, 'heartbeat refused');
      return;
    }
    if (!this.draining) this.reconcile(Array.isArray(answer.json.assignments) ? (answer.json.assignments as Record<string, unknown>[]) : []);
  }

  private reconcile(assignments: Record<string, unknown>[]): void {
    const wanted = new Set<string>();
    for (const a of assignments) {
      const id = String(a.replica);
      wanted.add(id);
      if (this.hosted.has(id)) continue;
      const source = a.source === 'gateway' ? 'gateway' : 'repository';
      const hosted: Hosted = { id, model: String(a.model), version: String(a.version), digest: String(a.digest), source, state: 'loading', reason: undefined, backend: undefined, removed: false };
      this.hosted.set(id, hosted);
      void this.load(hosted);
    }
    for (const hosted of [...this.hosted.values()]) {
      if (wanted.has(hosted.id)) continue;
      hosted.removed = true;
      this.hosted.delete(hosted.id);
      void hosted.backend?.unload();
    }
  }

  /** Loads an assigned replica, with the backend its model config names (as the gateway's catalog does). */
  private async load(hosted: Hosted): Promise<void> {
    const refuse = (reason: string): void => {
      hosted.state = 'failed';
      hosted.reason = reason;
      this.options.log.warn({ replica: hosted.id, reason }, 'replica refused');
    };
    try {
      const loaded = hosted.source === 'gateway' ? await this.loadFromGateway(hosted) : await this.loadFromRepository(hosted);
      if (typeof loaded === 'string') refuse(loaded);
      else if (hosted.removed) await loaded.unload();
      else {
        hosted.backend = loaded;
        hosted.state = 'ready';
        this.options.log.info({ replica: hosted.id, digest: hosted.digest }, 'replica ready');
      }
    } catch (error) {
      refuse(error instanceof Error ? error.message : String(error));
    }
    // Tell the gateway now rather than at the next interval.
    void this.beat();
  }

  private onnxSpec(hosted: Hosted, bytes: Uint8Array, session: { executionProvider?: ExecutionProvider | undefined; intraOpThreads?: number | undefined } = {}) {
    return {
      name: `${hosted.model}/${hosted.version}`,
      bytes,
      executionProvider: session.executionProvider ?? this.options.onnx.executionProvider,
      intraOpThreads: session.intraOpThreads ?? this.options.onnx.intraOpThreads,
      instances: this.options.onnx.instances,
      inlineBelowMs: this.options.onnx.inlineBelowMs,
      workerNice: this.options.onnx.workerNice ?? 0,
    };
  }

  /** This machine's copy of the version, refused unless its digest is the one assigned; a refusal is its reason. */
  private async loadFromRepository(hosted: Hosted): Promise<Backend | string> {
    const candidate = await readRepositoryVersion(this.options.modelRepository, hosted.model, hosted.version);
    if (!candidate.ok) return candidate.reason;
    const { artifact, config } = candidate;
    if (!artifact) return 'the version has no artifact (an upstream-backed model): agents host artifacts only';
    if (artifact.digest !== hosted.digest) return `artifact digest mismatch: the gateway assigned ${hosted.digest} but this node's '${config.artifact}' is ${artifact.digest}`;
    // A rules model checks itself against the contract as it loads.
    if (config.backend === 'rules') return loadRulesBackend(artifact.bytes, `${hosted.model}/${hosted.version}/${config.artifact}`, config.contract);
    const loaded = await this.options.loadBackend(this.onnxSpec(hosted, artifact.bytes, config.onnx));
    const problems = checkSignature(config.contract, loaded.signature);
    if (problems.length === 0) return loaded.backend;
    await loaded.backend.unload();
    return `contract does not match the artifact: ${problems.join('; ')}`;
  }

  /**
   * A registry version lives in the gateway's store, not in any model repository: its model file
   * comes from the gateway over the node-secret channel, checked against the SHA-256 the gateway
   * sends with it. The gateway verified the artifact (manifest, signature, contract) as it loaded it.
   */
  private async loadFromGateway(hosted: Hosted): Promise<Backend | string> {
    const response = await this.gateway.request({
      method: 'GET',
      path: `/internal/v1/nodes/${this.nodeId ?? ''}/artifacts/${encodeURIComponent(hosted.model)}/${encodeURIComponent(hosted.version)}`,
      headers: { authorization: `Bearer ${this.plainSecret ?? ''}`, [PROTOCOL_HEADER]: this.options.protocol ?? DATAPLANE_PROTOCOL },
      headersTimeout: 60_000,
      bodyTimeout: 60_000,
    });
    const bytes = new Uint8Array(await response.body.arrayBuffer());
    if (response.statusCode !== 200) return `the gateway did not send the artifact (${response.statusCode}): ${Buffer.from(bytes.subarray(0, 200)).toString('utf8')}`;
    const sent = response.headers[ARTIFACT_DIGEST_HEADER];
    const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (sent !== actual) return `the artifact from the gateway is ${actual}, not the ${String(sent)} it announced`;
    return (await this.options.loadBackend(this.onnxSpec(hosted, bytes))).backend;
  }

  private authorised(request: FastifyRequest): boolean {
    const header = request.headers.authorization;
    if (!this.secret || typeof header !== 'string' || !header.startsWith('Bearer ')) return false;
    return timingSafeEqual(digestOf(header.slice(7)), this.secret);
  }

  private refuse(reply: FastifyReply, status: number, code: string, error: string): FastifyReply {
    return reply.code(status).send({ code, error });
  }

  private buildDataPlane(): FastifyInstance {
    const app = Fastify({ bodyLimit: 256 * 1024 * 1024, logger: false });
    app.addHook('onRequest', async (request, reply) => {
      if (!this.authorised(request)) return this.refuse(reply, 401, 'JOIN_TOKEN_INVALID', 'the node secret is missing or wrong');
      const protocol = checkProtocol(request.headers[PROTOCOL_HEADER]);
      if (!protocol.ok) return this.refuse(reply, 400, 'DATAPLANE_PROTOCOL_UNSUPPORTED', protocol.reason);
      return undefined;
    });
    app.get(DATAPLANE_PATHS.health, async () => ({ ok: !this.draining, draining: this.draining, replicas: [...this.hosted.values()].map((h) => ({ replica: h.id, state: h.state })) }));
    app.post<{ Body: { replica?: unknown; outputs?: unknown; urgent?: unknown; inputs?: unknown } }>(DATAPLANE_PATHS.batch, async (request, reply) => {
      if (this.draining) return this.refuse(reply, 503, 'SHUTTING_DOWN', 'this node is draining');
      const body = request.body;
      const hosted = typeof body?.replica === 'string' ? this.hosted.get(body.replica) : undefined;
      if (!hosted?.backend || hosted.state !== 'ready') return this.refuse(reply, 404, 'MODEL_NOT_READY', 'no such ready replica on this node');
      let inputs;
      try {
        inputs = decodeTensors(body.inputs);
      } catch (error) {
        if (error instanceof WireError) return this.refuse(reply, 400, 'INVALID_REQUEST', error.message);
        throw error;
      }
      const outputs = Array.isArray(body.outputs) ? body.outputs.map(String) : [];
      this.batchesInFlight++;
      try {
        // Protocol 1.1: the gateway marks a batch holding critical work; a 1.0 gateway never does.
        const result = await hosted.backend.run(inputs, outputs, body.urgent === true ? URGENT : undefined);
        return { outputs: encodeTensors(result.outputs), queue_ms: result.queueMs, compute_ms: result.computeMs };
      } catch (error) {
        this.options.log.error({ err: error, replica: hosted.id }, 'batch failed');
        return this.refuse(reply, 500, 'INFERENCE_FAILED', 'the backend failed on this batch');
      } finally {
        this.batchesInFlight--;
      }
    });
    return app;
  }

  private async unloadAll(): Promise<void> {
    const all = [...this.hosted.values()];
    this.hosted.clear();
    for (const h of all) h.removed = true;
    await Promise.all(all.flatMap((h) => (h.backend ? [h.backend.unload()] : [])));
  }

  /** SIGTERM: take no new batches, tell the gateway, finish what runs, leave, free the models. */
  async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    this.options.log.info({ node_id: this.nodeId, in_flight: this.batchesInFlight }, 'draining: finishing in-flight batches');
    await this.beat();
    const deadline = Date.now() + 30_000;
    while (this.batchesInFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.nodeId && this.plainSecret) await this.call(`/internal/v1/nodes/${this.nodeId}/leave`, {}, this.plainSecret).catch(() => undefined);
    await this.server?.close();
    await this.unloadAll();
    await this.gateway.close();
  }

  /** Stops without telling anyone (tests). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.server?.close();
    await this.unloadAll();
    await this.gateway.destroy();
  }
}

/**
 * The node agent: joins a gateway with the cluster token, reports this machine's devices and
 * telemetry, hosts the replicas the gateway assigns, serves batches on an internal data plane
 * authenticated by its node secret, heartbeats, and drains on request (finishes in-flight
 * batches, takes no new ones, tells the gateway). link.ts talks to the gateway, host.ts holds
 * the replicas, server.ts is the data plane; this file runs the three together.
 */
import type { Tier } from '../core/tiers.js';
import { freemem, loadavg, totalmem } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { digestOf } from '../core/secrets.js';
import type { Device } from '../hardware/device.js';
import type { LoadBackend } from '../runtime/backend.js';
import { DATAPLANE_PROTOCOL } from '../runtime/remote/protocol.js';
import type { Logger } from '../telemetry/logger.js';
import { ReplicaHost, type OnnxDefaults } from './host.js';
import { AgentJoinError, GatewayLink, joinBackoffMs } from './link.js';
import { buildDataPlane, type DataPlaneState } from './server.js';

export { AgentJoinError } from './link.js';

export interface AgentOptions {
  /** The gateway's base URL. */
  readonly joinUrl: string;
  readonly token: string;
  readonly name: string;
  readonly tier: Tier;
  /** Where the data plane listens. @default 127.0.0.1:0 */
  readonly host: string;
  readonly port: number;
  /** This machine's copy of the model repository; artifacts are read and digest-checked from here. */
  readonly modelRepository: string;
  readonly devices: readonly Device[];
  readonly loadBackend: LoadBackend;
  readonly onnx: OnnxDefaults;
  readonly log: Logger;
  /** Reported at join (GET /v1/nodes shows it). @default 'unknown' */
  readonly agentVersion?: string;
  /** The data-plane protocol this agent offers; tests change it to check the refusal. */
  readonly protocol?: string;
}

export class Agent {
  private readonly link: GatewayLink;
  private readonly replicas: ReplicaHost;
  private readonly state: DataPlaneState;
  private server: FastifyInstance | undefined;
  private dataplaneUrl = '';
  private nodeId: string | undefined;
  private secretDigest: Buffer | undefined;
  private secret: string | undefined;
  private heartbeatMs = 2000;
  private timer: NodeJS.Timeout | undefined;
  private draining = false;
  private stopped = false;
  private beating: Promise<void> | undefined;

  constructor(private readonly options: AgentOptions) {
    this.link = new GatewayLink(options.joinUrl, options.protocol ?? DATAPLANE_PROTOCOL);
    this.replicas = new ReplicaHost({
      modelRepository: options.modelRepository,
      loadBackend: options.loadBackend,
      onnx: options.onnx,
      log: options.log,
      fetchArtifact: (model, version) => this.link.artifact(this.nodeId ?? '', this.secret ?? '', model, version),
      onSettled: () => void this.beat(),
    });
    this.state = { secretDigest: () => this.secretDigest, draining: () => this.draining, batchesInFlight: 0 };
  }

  get address(): string {
    return this.dataplaneUrl;
  }

  get id(): string | undefined {
    return this.nodeId;
  }

  /** Listens, joins and starts heartbeating. Throws AgentJoinError when the gateway refuses us. */
  async start(): Promise<void> {
    this.server = buildDataPlane(this.replicas, this.state, this.options.log);
    this.dataplaneUrl = await this.server.listen({ host: this.options.host, port: this.options.port });
    // A gateway that is not up yet is waited for; a gateway that refuses us is final.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.join();
        break;
      } catch (error) {
        if (error instanceof AgentJoinError || this.stopped) throw error;
        const waitMs = joinBackoffMs(attempt);
        this.options.log.warn({ err: error, retry_in_ms: waitMs }, `cannot reach the gateway at ${this.options.joinUrl}`);
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    }
    this.schedule(0);
  }

  private async join(): Promise<void> {
    const answer = await this.link.join(
      { name: this.options.name, dataplane_url: this.dataplaneUrl, tier: this.options.tier, devices: this.options.devices, agent_version: this.options.agentVersion ?? 'unknown', protocol: this.options.protocol ?? DATAPLANE_PROTOCOL },
      this.options.token,
    );
    this.nodeId = answer.node_id;
    this.secret = answer.node_secret;
    this.secretDigest = digestOf(answer.node_secret);
    this.heartbeatMs = answer.heartbeat_ms;
    this.options.log.info({ node_id: this.nodeId, dataplane: this.dataplaneUrl, heartbeat_ms: this.heartbeatMs, protocol: answer.protocol }, `agent ${this.options.name} joined ${this.options.joinUrl}`);
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
    if (!this.nodeId || !this.secret) return;
    const telemetry = { memory_total_bytes: totalmem(), memory_free_bytes: freemem(), load_1m: loadavg()[0], batches_in_flight: this.state.batchesInFlight };
    let outcome;
    try {
      outcome = await this.link.heartbeat(this.nodeId, this.secret, { draining: this.draining, replicas: this.replicas.reports(), telemetry });
    } catch (error) {
      this.options.log.warn({ err: error }, 'heartbeat failed; retrying next interval');
      return;
    }
    // Stopped while the heartbeat was out: its assignments would load models nobody unloads.
    if (this.stopped) return;
    if (outcome.kind === 'gone' && !this.draining) {
      // Declared dead (we were stopped or cut off): start over as a new node.
      this.options.log.warn({ node_id: this.nodeId }, 'the gateway declared this node dead; joining again');
      await this.replicas.unloadAll();
      try {
        await this.join();
      } catch (error) {
        this.options.log.error({ err: error }, 'joining again failed; retrying next interval');
      }
      return;
    }
    if (outcome.kind === 'malformed') {
      // Keep what is hosted: a bad answer says nothing about what the gateway wants.
      this.options.log.error({ node_id: this.nodeId, reason: outcome.reason }, 'heartbeat answer refused; keeping the current replicas');
      return;
    }
    if (outcome.kind !== 'answer') {
      this.options.log.warn({ status: outcome.kind === 'refused' ? outcome.status : 410, code: outcome.kind === 'refused' ? outcome.code : 'NODE_UNKNOWN' }, 'heartbeat refused');
      return;
    }
    if (!this.draining) this.replicas.reconcile(outcome.answer.assignments);
  }

  /** SIGTERM: take no new batches, tell the gateway, finish what runs, leave, free the models. */
  async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    this.options.log.info({ node_id: this.nodeId, in_flight: this.state.batchesInFlight }, 'draining: finishing in-flight batches');
    await this.beat();
    const deadline = Date.now() + 30_000;
    while (this.state.batchesInFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.nodeId && this.secret) await this.link.leave(this.nodeId, this.secret).catch(() => undefined);
    await this.server?.close();
    await this.replicas.unloadAll();
    await this.link.close();
  }

  /** Stops without telling anyone (tests). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.server?.close();
    await this.replicas.unloadAll();
    await this.link.destroy();
  }
}

/**
 * The gateway's side of a cluster: agents join with the cluster token and get a node secret,
 * heartbeat with their telemetry and the state of the replicas they host, and receive their
 * assignments in the answer. Node transitions (suspect, dead, draining) change the state of
 * the node's replicas in the live scheduler; placement runs again whenever nodes or replicas
 * change, so a dead node's replicas come back elsewhere.
 */
import { deploymentName } from '../../core/deployment-name.js';
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import type { ServerConfig } from '../../core/config.js';
import { SwitchyardError } from '../../core/errors.js';
import { digestOf, matchesDigest } from '../../core/secrets.js';
import type { Catalog } from '../../hardware/catalog.js';
import { NodeRegistry, type NodeInfo, type NodeRecord, type NodeTransition } from './node-registry.js';
import { planPlacement, refusalKey, type DeploymentNeed, type PlacedReplica } from './placement.js';
import { NodeConnection, RemoteBackend } from '../../runtime/remote/remote-backend.js';
import { checkProtocol, DATAPLANE_PROTOCOL } from '../../runtime/remote/protocol.js';
import { readHeartbeat, readJoinRequest, type AgentReplicaState, type Assignment, type HeartbeatAnswer, type JoinAnswer } from '../../runtime/remote/control-protocol.js';
import type { ReplicaState } from '../../core/replica-states.js';
import type { Logger } from '../../telemetry/logger.js';
import type { ModelCatalog, ServedVersion } from '../../serving/model-catalog.js';
import type { LiveScheduler } from '../../serving/live/live-scheduler.js';

interface RemoteReplica extends PlacedReplica {
  readonly served: ServedVersion;
  agentState: AgentReplicaState;
  reason: string | undefined;
}

/** Registry versions live in the gateway's store: agents fetch their model file through it. */
export interface RegistryFiles {
  isRegistryVersion(served: ServedVersion): boolean;
  modelFile(model: string, version: string): Promise<Uint8Array>;
}

/** Dead and departed nodes stay listed this long, so operators see what happened. */
const KEEP_GONE_MS = 10 * 60_000;
/** Why: the minimum a real model needs; model.yaml's placement.memory_mib says more. */
const DEFAULT_REPLICA_MEMORY = 256 * 1024 * 1024;

export class Cluster {
  readonly registry: NodeRegistry;
  private readonly secrets = new Map<string, Buffer>();
  private readonly connections = new Map<string, NodeConnection>();
  private readonly replicas = new Map<string, RemoteReplica>();
  /** `deployment@node` -> why the node refused it; such a pair is not placed again while the node lives. */
  private readonly refused = new Map<string, string>();
  private readonly tokenDigest: Buffer;
  private timer: NodeJS.Timeout | undefined;
  private nextReplica = 1;

  constructor(
    private readonly config: ServerConfig,
    private readonly catalog: ModelCatalog,
    private readonly scheduler: LiveScheduler,
    private readonly hardware: Catalog,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly registryFiles?: RegistryFiles,
  ) {
    if (!config.cluster.token) throw new Error('cluster mode needs cluster.token');
    this.tokenDigest = digestOf(config.cluster.token);
    this.registry = new NodeRegistry(config.cluster.heartbeatMs, (t) => this.onTransition(t));
  }

  /** Starts the failure detector: four checks per heartbeat interval. */
  start(): void {
    this.timer = setInterval(() => {
      const now = this.clock.now();
      this.scheduler.reportLocal();
      this.registry.tick(now);
      this.registry.forget(now, KEEP_GONE_MS);
    }, Math.max(25, this.config.cluster.heartbeatMs / 4));
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.all([...this.connections.values()].map((c) => c.close()));
    this.connections.clear();
  }

  checkToken(presented: string | undefined): void {
    if (!matchesDigest(presented, this.tokenDigest)) throw new SwitchyardError('JOIN_TOKEN_INVALID', 'the cluster join token is missing or wrong');
  }

  private authenticate(nodeId: string, secret: string | undefined): NodeRecord {
    const expected = this.secrets.get(nodeId);
    const node = this.registry.get(nodeId);
    if (!node || !matchesDigest(secret, expected)) {
      if (node && (node.state === 'dead' || node.state === 'left')) throw new SwitchyardError('NODE_UNKNOWN', `node ${nodeId} is ${node.state}; join again`);
      if (!node) throw new SwitchyardError('NODE_UNKNOWN', `node ${nodeId} is not known here; join again`);
      throw new SwitchyardError('JOIN_TOKEN_INVALID', `the node secret does not match node ${nodeId}`);
    }
    return node;
  }

  /** Admits an agent: checks its protocol, issues its secret, health-checks its data plane in the background. */
  join(body: unknown): JoinAnswer {
    // The version first: another major may send another shape.
    const protocol = checkProtocol(typeof body === 'object' && body !== null ? (body as { protocol?: unknown }).protocol : undefined);
    if (!protocol.ok) throw new SwitchyardError('DATAPLANE_PROTOCOL_UNSUPPORTED', protocol.reason);
    const info = parseJoin(body);
    if (this.registry.liveByName(info.name)) throw new SwitchyardError('INVALID_REQUEST', `a live node is already called '${info.name}'; give each agent its own --name`);
    const node = this.registry.join(info, this.clock.now());
    const secret = randomBytes(32).toString('base64url');
    this.secrets.set(node.id, digestOf(secret));
    this.connections.set(node.id, new NodeConnection(info.dataplaneUrl, secret, this.config.cluster.batchTimeoutMs));
    this.log.info({ node: node.id, name: node.name, url: info.dataplaneUrl, devices: info.devices.length, protocol: info.protocol }, 'node joined');
    void this.healthCheck(node);
    return { node_id: node.id, node_secret: secret, heartbeat_ms: this.config.cluster.heartbeatMs, protocol: DATAPLANE_PROTOCOL };
  }

  heartbeat(nodeId: string, secret: string | undefined, body: unknown): HeartbeatAnswer {
    const node = this.authenticate(nodeId, secret);
    const report = parseHeartbeat(body);
    const verdict = this.registry.heartbeat(nodeId, this.clock.now(), report.telemetry);
    if (verdict === 'gone') throw new SwitchyardError('NODE_UNKNOWN', `node ${nodeId} was declared dead; join again`);
    if (report.draining) this.registry.markDraining(nodeId);
    // The heartbeat is the node's load report: its replicas are fresh for the router (staleAfterMs).
    for (const replica of this.replicas.values()) if (replica.node === nodeId) this.scheduler.report(replica.replicaId);
    let changed = false;
    for (const { replica: id, state, reason } of report.replicas) {
      const replica = this.replicas.get(id);
      if (!replica || replica.node !== nodeId || replica.agentState === state) continue;
      replica.agentState = state;
      replica.reason = reason;
      changed = true;
      if (state === 'failed') {
        // The node refused the replica (a digest mismatch, a load failure): place it elsewhere.
        this.log.warn({ node: node.name, replica: id, reason }, 'node refused a replica');
        this.refused.set(refusalKey(replica.deployment, nodeId), reason ?? 'refused');
        this.dropReplica(id);
      }
    }
    if (changed) this.syncStates(nodeId);
    if (changed) this.reconcile();
    // A suspect node heartbeating again, or a joined node whose first health check failed, is checked (again).
    if (verdict === 'recovering' || node.state === 'joining') void this.healthCheck(node);
    return { assignments: this.assignmentsOf(nodeId) };
  }

  /** The model file of a registry version assigned to this node; anything else is not found. */
  async artifact(nodeId: string, secret: string | undefined, model: string, version: string): Promise<Uint8Array> {
    this.authenticate(nodeId, secret);
    const assigned = [...this.replicas.values()].some((r) => r.node === nodeId && r.served.model === model && r.served.version === version);
    const served = this.catalog.get(model, version);
    if (!assigned || !served || !this.registryFiles?.isRegistryVersion(served)) throw new SwitchyardError('MODEL_VERSION_NOT_FOUND', `no registry version ${model}/${version} is assigned to node ${nodeId}`);
    return this.registryFiles.modelFile(model, version);
  }

  leave(nodeId: string, secret: string | undefined): void {
    this.authenticate(nodeId, secret);
    this.registry.leave(nodeId);
  }

  private async healthCheck(node: NodeRecord): Promise<void> {
    const connection = this.connections.get(node.id);
    if (!connection) return;
    const ok = await connection.healthy(Math.max(500, this.config.cluster.heartbeatMs));
    if (ok) this.registry.markReady(node.id, this.clock.now());
    else this.log.warn({ node: node.name }, 'node failed its health check');
  }

  private onTransition({ node, from, to }: NodeTransition): void {
    this.log.info({ node: node.id, name: node.name, from, to }, `node ${to}`);
    const connection = this.connections.get(node.id);
    if (to === 'suspect' || to === 'dead') connection?.abortAll(`node ${node.name} is ${to}`);
    if (to === 'dead' || to === 'left') {
      for (const replica of [...this.replicas.values()]) if (replica.node === node.id) this.dropReplica(replica.replicaId);
      for (const key of [...this.refused.keys()]) if (key.endsWith(`@${node.id}`)) this.refused.delete(key);
      this.secrets.delete(node.id);
      this.connections.delete(node.id);
      void connection?.close();
    } else {
      // A node back from suspect passed its health check: its replicas' ejections (from the aborted batches) end.
      if (to === 'ready') for (const replica of this.replicas.values()) if (replica.node === node.id) this.scheduler.uneject(replica.replicaId);
      this.syncStates(node.id);
    }
    this.reconcile();
  }

  /** The state the scheduler should see for each replica of a node: node state and agent state together. */
  private syncStates(nodeId: string): void {
    const node = this.registry.get(nodeId);
    if (!node) return;
    for (const replica of this.replicas.values()) {
      if (replica.node !== nodeId) continue;
      let state: ReplicaState;
      if (node.state === 'draining') state = 'draining';
      else if (node.state !== 'ready') state = 'failed';
      else state = replica.agentState === 'ready' ? 'ready' : 'loading';
      this.scheduler.setReplicaState(replica.replicaId, state);
    }
  }

  private dropReplica(id: string): void {
    this.replicas.delete(id);
    this.scheduler.removeReplica(id);
  }

  private needs(): DeploymentNeed[] {
    const needs: DeploymentNeed[] = [];
    for (const served of this.catalog.all()) {
      if (served.state !== 'READY' || !served.config || !served.digest) continue;
      const { placement, onnx } = served.config;
      const provider = onnx.executionProvider ?? this.config.onnx.executionProvider;
      needs.push({
        deployment: deploymentName(served),
        replicas: placement.replicas ?? this.config.cluster.defaultReplicas,
        memoryBytes: placement.memoryBytes ?? DEFAULT_REPLICA_MEMORY,
        deviceKind: provider === 'cuda' ? 'gpu' : 'cpu',
        ...(placement.hardwareClasses ? { hardwareClasses: placement.hardwareClasses } : {}),
        ...(placement.tiers ? { tiers: placement.tiers } : {}),
      });
    }
    return needs;
  }

  /** Runs placement against the nodes as they are now and applies the plan. */
  reconcile(): void {
    const plan = planPlacement({
      needs: this.needs(),
      nodes: this.registry.all().map((n) => ({ id: n.id, state: n.state, tier: n.tier, devices: n.devices.map((d) => ({ id: d.id, kind: d.kind, class: d.class, memoryBytes: d.memoryBytes })) })),
      current: [...this.replicas.values()],
      maxPerNode: this.config.cluster.maxReplicasPerNode,
      refused: new Set(this.refused.keys()),
    });
    for (const { replicaId, reason } of plan.remove) {
      this.log.info({ replica: replicaId, reason }, 'replica retired');
      this.dropReplica(replicaId);
    }
    for (const placed of plan.add) this.addReplica(placed.deployment, placed.node, placed.device);
  }

  private addReplica(deployment: string, nodeId: string, deviceId: string): void {
    const node = this.registry.get(nodeId);
    const connection = this.connections.get(nodeId);
    const served = this.catalog.all().find((v) => deploymentName(v) === deployment);
    const device = node?.devices.find((d) => d.id === deviceId);
    if (!node || !connection || !served?.config || !device) return;
    const id = `${deployment}@${node.name}#${this.nextReplica++}`;
    const replica: RemoteReplica = { replicaId: id, deployment, node: nodeId, device: deviceId, served, agentState: 'assigned', reason: undefined };
    this.replicas.set(id, replica);
    const hardwareClass = device.class ?? device.kind;
    const backend = new RemoteBackend(connection, id, { kind: served.config.backend === 'rules' ? 'rules' : 'onnx', hardwareClass, device: `${node.name}/${device.id}`, simulated: !device.real, executionProvider: device.kind === 'gpu' ? 'cuda' : 'cpu' });
    this.scheduler.addReplica(
      {
        id,
        deployment,
        node: node.name,
        hardwareClass,
        device: `${node.name}/${device.id}`,
        tier: node.tier,
        costPerHour: this.hardware.byId.get(hardwareClass)?.priceUsdPerHour.value ?? 0,
        memoryBytes: device.memoryBytes,
        simulated: !device.real,
        maxBatchSize: Math.max(1, served.config.contract.maxBatchSize),
        serviceTimePrior: { baseMs: 2, perRowMs: 0.05 },
      },
      backend,
      'loading',
    );
    this.log.info({ replica: id, node: node.name, device: device.id }, 'replica placed');
  }

  private assignmentsOf(nodeId: string): Assignment[] {
    const out: Assignment[] = [];
    for (const replica of this.replicas.values()) {
      if (replica.node !== nodeId) continue;
      const source = this.registryFiles?.isRegistryVersion(replica.served) ? 'gateway' : 'repository';
      out.push({ replica: replica.replicaId, model: replica.served.model, version: replica.served.version, digest: replica.served.digest ?? '', source });
    }
    return out;
  }

  /** What GET /v1/nodes shows. */
  view(): Record<string, unknown>[] {
    const states = new Map(this.scheduler.replicaStates().map((r) => [r.id, r]));
    const now = this.clock.now();
    return this.registry.all().map((node) => ({
      id: node.id,
      name: node.name,
      state: node.state,
      tier: node.tier,
      dataplane_url: node.dataplaneUrl,
      protocol: node.protocol,
      agent_version: node.agentVersion,
      last_heartbeat_ms_ago: Math.round(now - node.lastHeartbeatMs),
      devices: node.devices.map((d) => ({ id: d.id, kind: d.kind, name: d.name, class: d.class, memory_bytes: d.memoryBytes, tier: d.tier, simulated: !d.real })),
      telemetry: node.telemetry,
      replicas: [...this.replicas.values()]
        .filter((r) => r.node === node.id)
        .map((r) => ({ id: r.replicaId, model: r.served.model, version: r.served.version, device: r.device, agent_state: r.agentState, state: states.get(r.replicaId)?.state ?? 'unknown', ejected: states.get(r.replicaId)?.ejected ?? false })),
      refused: [...this.refused].filter(([key]) => key.endsWith(`@${node.id}`)).map(([key, reason]) => ({ deployment: key.slice(0, key.lastIndexOf('@')), reason })),
    }));
  }
}

function fail(message: string): never {
  throw new SwitchyardError('INVALID_REQUEST', message);
}

function parseJoin(body: unknown): NodeInfo {
  const join = readJoinRequest(body);
  if (!join.ok) fail(join.reason);
  const b = join.value;
  return {
    name: b.name,
    dataplaneUrl: b.dataplane_url.replace(/\/$/, ''),
    tier: b.tier ?? 'onprem',
    devices: b.devices.map((d) => ({ ...d, class: typeof d.class === 'string' ? d.class : null, real: d.real !== false })),
    agentVersion: b.agent_version?.slice(0, 64) ?? 'unknown',
    protocol: b.protocol,
  };
}

function parseHeartbeat(body: unknown): { draining: boolean; replicas: { replica: string; state: AgentReplicaState; reason: string | undefined }[]; telemetry: Record<string, unknown> } {
  const heartbeat = readHeartbeat(body);
  if (!heartbeat.ok) fail(heartbeat.reason);
  const b = heartbeat.value;
  return {
    draining: b.draining,
    replicas: b.replicas.map((r) => ({ replica: r.replica, state: r.state, reason: r.reason?.slice(0, 500) })),
    telemetry: b.telemetry ?? {},
  };
}

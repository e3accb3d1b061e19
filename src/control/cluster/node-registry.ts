/**
 * The nodes of a cluster and the state each is in, driven only by the `now` values its host
 * passes in. A node that misses heartbeats becomes `suspect` after 1.5 intervals (its
 * replicas stop taking work but keep their place) and `dead` after 3 (its replicas are
 * placed elsewhere). A heartbeat from a suspect node brings it back once its host has
 * health-checked it; a dead node must join again.
 */
import type { Device } from '../../hardware/device.js';
import type { Tier } from '../../scheduler/types.js';

/** joining: health check pending; ready: takes work; suspect: missed heartbeats; draining: finishing work before it leaves; dead/left: gone. */
export type NodeState = 'joining' | 'ready' | 'suspect' | 'draining' | 'dead' | 'left';

/** What an agent reports at join. */
export interface NodeInfo {
  readonly name: string;
  readonly dataplaneUrl: string;
  readonly tier: Tier;
  readonly devices: readonly Device[];
  readonly agentVersion: string;
  readonly protocol: string;
}

export interface NodeRecord extends NodeInfo {
  readonly id: string;
  state: NodeState;
  readonly joinedAtMs: number;
  lastHeartbeatMs: number;
  /** The last telemetry the agent sent (device utilisation, memory, pressure), as it sent it. */
  telemetry: Record<string, unknown>;
}

export interface NodeTransition {
  readonly node: NodeRecord;
  readonly from: NodeState;
  readonly to: NodeState;
}

export const SUSPECT_AFTER_INTERVALS = 1.5;
export const DEAD_AFTER_INTERVALS = 3;

export type HeartbeatVerdict = 'ok' | 'recovering' | 'gone';

export class NodeRegistry {
  private readonly nodes = new Map<string, NodeRecord>();
  private nextId = 1;

  constructor(
    private readonly heartbeatMs: number,
    private readonly onTransition: (transition: NodeTransition) => void = () => {},
  ) {}

  /** A node joins; a dead or departed node of the same name is forgotten (it came back as a new node). */
  join(info: NodeInfo, nowMs: number): NodeRecord {
    for (const [id, node] of this.nodes) if (node.name === info.name && (node.state === 'dead' || node.state === 'left')) this.nodes.delete(id);
    const node: NodeRecord = { ...info, id: `node-${this.nextId++}`, state: 'joining', joinedAtMs: nowMs, lastHeartbeatMs: nowMs, telemetry: {} };
    this.nodes.set(node.id, node);
    return node;
  }

  /** The live node of this name, if any (a second agent may not take a live node's name). */
  liveByName(name: string): NodeRecord | undefined {
    for (const node of this.nodes.values()) if (node.name === name && node.state !== 'dead' && node.state !== 'left') return node;
    return undefined;
  }

  get(id: string): NodeRecord | undefined {
    return this.nodes.get(id);
  }

  all(): NodeRecord[] {
    return [...this.nodes.values()];
  }

  /** A heartbeat: `gone` tells the agent to join again; `recovering` asks the host to health-check a suspect node. */
  heartbeat(id: string, nowMs: number, telemetry: Record<string, unknown>): HeartbeatVerdict {
    const node = this.nodes.get(id);
    if (!node || node.state === 'dead' || node.state === 'left') return 'gone';
    node.lastHeartbeatMs = nowMs;
    node.telemetry = telemetry;
    return node.state === 'suspect' ? 'recovering' : 'ok';
  }

  /** The host's health check passed: a joining or recovering node takes work. */
  markReady(id: string, nowMs: number): void {
    const node = this.nodes.get(id);
    if (!node || (node.state !== 'joining' && node.state !== 'suspect')) return;
    // A node whose heartbeats stopped again while it was checked stays where it is.
    if (nowMs - node.lastHeartbeatMs > SUSPECT_AFTER_INTERVALS * this.heartbeatMs) return;
    this.move(node, 'ready');
  }

  markDraining(id: string): void {
    const node = this.nodes.get(id);
    if (node && node.state !== 'dead' && node.state !== 'left') this.move(node, 'draining');
  }

  leave(id: string): void {
    const node = this.nodes.get(id);
    if (node && node.state !== 'dead' && node.state !== 'left') this.move(node, 'left');
  }

  /** Moves nodes whose heartbeats stopped to suspect, then dead. Call it a few times per interval. */
  tick(nowMs: number): void {
    for (const node of this.nodes.values()) {
      if (node.state === 'dead' || node.state === 'left') continue;
      const silentMs = nowMs - node.lastHeartbeatMs;
      if (silentMs > DEAD_AFTER_INTERVALS * this.heartbeatMs) this.move(node, 'dead');
      else if (silentMs > SUSPECT_AFTER_INTERVALS * this.heartbeatMs && node.state !== 'suspect') this.move(node, 'suspect');
    }
  }

  /** Forgets dead and departed nodes older than `keepMs`, so the list does not grow forever. */
  forget(nowMs: number, keepMs: number): void {
    for (const [id, node] of this.nodes) if ((node.state === 'dead' || node.state === 'left') && nowMs - node.lastHeartbeatMs > keepMs) this.nodes.delete(id);
  }

  private move(node: NodeRecord, to: NodeState): void {
    const from = node.state;
    if (from === to) return;
    node.state = to;
    this.onTransition({ node, from, to });
  }
}

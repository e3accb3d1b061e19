/**
 * The agent's link to its gateway: join, heartbeat, leave and artifact downloads over the
 * control plane (control-protocol.ts), each answer checked against its schema before it is used.
 */
import { createHash } from 'node:crypto';
import { Pool } from 'undici';
import { ARTIFACT_DIGEST_HEADER, checkProtocol, PROTOCOL_HEADER } from '../runtime/remote/protocol.js';
import { controlPath, readHeartbeatAnswer, readJoinAnswer, type Heartbeat, type HeartbeatAnswer, type JoinAnswer, type JoinRequest } from '../runtime/remote/control-protocol.js';

/** The gateway refused this agent, or answered what this agent cannot use: final, not retried. */
export class AgentJoinError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentJoinError';
  }
}

/** How long to wait before join attempt `attempt + 1` while the gateway cannot be reached: 0.5 s more each time, at most 5 s. */
export const joinBackoffMs = (attempt: number): number => Math.min(5000, 500 * attempt);

export type HeartbeatOutcome =
  | { readonly kind: 'answer'; readonly answer: HeartbeatAnswer }
  /** 410: the gateway declared this node dead; join again. */
  | { readonly kind: 'gone' }
  | { readonly kind: 'refused'; readonly status: number; readonly code: unknown }
  | { readonly kind: 'malformed'; readonly reason: string };

export class GatewayLink {
  private readonly pool: Pool;

  constructor(
    readonly url: string,
    /** The protocol this agent offers. */
    private readonly protocol: string,
  ) {
    this.pool = new Pool(url, { connections: 2, keepAliveTimeout: 30_000 });
  }

  private async post(path: string, body: unknown, bearer: string): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await this.pool.request({
      method: 'POST',
      path,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}`, [PROTOCOL_HEADER]: this.protocol },
      body: JSON.stringify(body),
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    const text = await response.body.text();
    let json: Record<string, unknown>;
    try {
      const parsed: unknown = text ? JSON.parse(text) : {};
      json = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { error: text.slice(0, 200) };
    } catch {
      json = { error: text.slice(0, 200) };
    }
    return { status: response.statusCode, json };
  }

  /** Joins with the cluster token. Throws AgentJoinError when refused or answered malformed; network errors propagate (retry them). */
  async join(request: JoinRequest, token: string): Promise<JoinAnswer> {
    const { status, json } = await this.post(controlPath.join(), request, token);
    if (status !== 200) throw new AgentJoinError(`the gateway refused to join (${status} ${JSON.stringify(json.code ?? '')}): ${JSON.stringify(json.error ?? '')}`);
    const answer = readJoinAnswer(json);
    if (!answer.ok) throw new AgentJoinError(`${answer.reason}; is ${this.url} a Switchyard gateway of a compatible version?`);
    const protocol = checkProtocol(answer.value.protocol);
    if (!protocol.ok) throw new AgentJoinError(`the gateway's protocol: ${protocol.reason}`);
    return answer.value;
  }

  /** One heartbeat. Network errors propagate. */
  async heartbeat(node: string, secret: string, heartbeat: Heartbeat): Promise<HeartbeatOutcome> {
    const { status, json } = await this.post(controlPath.heartbeat(node), heartbeat, secret);
    if (status === 410) return { kind: 'gone' };
    if (status !== 200) return { kind: 'refused', status, code: json.code };
    const answer = readHeartbeatAnswer(json);
    return answer.ok ? { kind: 'answer', answer: answer.value } : { kind: 'malformed', reason: answer.reason };
  }

  async leave(node: string, secret: string): Promise<void> {
    await this.post(controlPath.leave(node), {}, secret);
  }

  /**
   * A registry version's model file from the gateway, checked against the SHA-256 the gateway
   * sends with it; a string is why it could not be had.
   */
  async artifact(node: string, secret: string, model: string, version: string): Promise<Uint8Array | string> {
    const response = await this.pool.request({
      method: 'GET',
      path: controlPath.artifact(node, model, version),
      headers: { authorization: `Bearer ${secret}`, [PROTOCOL_HEADER]: this.protocol },
      headersTimeout: 60_000,
      bodyTimeout: 60_000,
    });
    const bytes = new Uint8Array(await response.body.arrayBuffer());
    if (response.statusCode !== 200) return `the gateway did not send the artifact (${response.statusCode}): ${Buffer.from(bytes.subarray(0, 200)).toString('utf8')}`;
    const sent = response.headers[ARTIFACT_DIGEST_HEADER];
    const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (sent !== actual) return `the artifact from the gateway is ${actual}, not the ${String(sent)} it announced`;
    return bytes;
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  destroy(): Promise<void> {
    return this.pool.destroy();
  }
}

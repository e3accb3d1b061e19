/**
 * A gateway's control plane cut down to what one agent needs to host replicas: join (a fixed
 * node id and secret), heartbeats answered with fixed assignments, leave. On 127.0.0.1 port 0.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DATAPLANE_PROTOCOL } from '../../src/runtime/remote/protocol.js';

export interface Assignment {
  readonly replica: string;
  readonly model: string;
  readonly version: string;
  readonly digest: string;
}

export interface FakeControlPlane {
  readonly url: string;
  /** The node secret the agent was given: what a gateway's NodeConnection presents. */
  readonly secret: string;
  /** Resolves once the agent reports `replica` ready; rejects with its reason if it reports it failed. */
  ready(replica: string): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeControlPlane(assignments: readonly Assignment[]): Promise<FakeControlPlane> {
  const secret = 'test-node-secret-0123456789';
  const states = new Map<string, { state: string; reason?: string }>();
  const waiters: (() => void)[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
      let answer: unknown = {};
      if (request.url === '/internal/v1/join') {
        answer = { node_id: 'node-1', node_secret: secret, heartbeat_ms: 60_000, protocol: DATAPLANE_PROTOCOL };
      } else if (request.url === '/internal/v1/nodes/node-1/heartbeat') {
        for (const r of (body.replicas ?? []) as { replica: string; state: string; reason?: string }[]) states.set(r.replica, r);
        for (const wake of waiters.splice(0)) wake();
        answer = { assignments };
      }
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    secret,
    async ready(replica) {
      for (;;) {
        const reported = states.get(replica);
        if (reported?.state === 'ready') return;
        if (reported?.state === 'failed') throw new Error(`the agent could not load ${replica}: ${reported.reason}`);
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

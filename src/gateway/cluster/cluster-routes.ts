/**
 * Cluster routes. The agent's routes live under /internal/v1, not /v1: agents are machines
 * holding the cluster join token (then a per-node secret), not users with roles, and keeping
 * them under their own prefix lets an edge proxy refuse /internal from outside the cluster.
 * GET /v1/nodes is the operators' view of the nodes, their devices and replicas.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { bearerOf } from '../../core/secrets.js';
import { CONTROL_ROUTES } from '../../runtime/remote/control-protocol.js';
import { ARTIFACT_DIGEST_HEADER } from '../../runtime/remote/protocol.js';
import { SwitchyardError } from '../../core/errors.js';
import type { Cluster } from '../../control/cluster/cluster.js';

export interface ClusterRouteDeps {
  readonly cluster: Cluster | undefined;
}

const bearer = (request: FastifyRequest): string | undefined => bearerOf(request.headers.authorization);

export function registerClusterRoutes(app: FastifyInstance, deps: ClusterRouteDeps): void {
  const need = (): Cluster => {
    if (!deps.cluster) throw new SwitchyardError('CLUSTER_DISABLED', 'cluster mode is off: start the server with --cluster-token (cluster.token) to take agents');
    return deps.cluster;
  };

  app.get('/v1/nodes', { config: { roles: ['admin', 'operator', 'viewer'] } }, async () => ({ nodes: need().view() }));

  app.post(CONTROL_ROUTES.join, async (request) => {
    const cluster = need();
    cluster.checkToken(bearer(request));
    return cluster.join(request.body);
  });

  app.post<{ Params: { id: string } }>(CONTROL_ROUTES.heartbeat, async (request) => need().heartbeat(request.params.id, bearer(request), request.body));

  app.get<{ Params: { id: string; model: string; version: string } }>(CONTROL_ROUTES.artifact, async (request, reply) => {
    const bytes = await need().artifact(request.params.id, bearer(request), request.params.model, request.params.version);
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    return reply.type('application/octet-stream').header(ARTIFACT_DIGEST_HEADER, digest).send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  });

  app.post<{ Params: { id: string } }>(CONTROL_ROUTES.leave, async (request, reply) => {
    need().leave(request.params.id, bearer(request));
    return reply.code(204).send();
  });
}

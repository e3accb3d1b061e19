/**
 * The agent's data-plane server: the gateway's batches and health checks, each authenticated by
 * the node secret and carrying a compatible protocol version (protocol.ts).
 */
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { ERROR_CATALOGUE, type ErrorCode, type ErrorDefinition } from '../core/errors.js';
import { bearerOf, matchesDigest } from '../core/secrets.js';
import { URGENT } from '../runtime/backend.js';
import { checkProtocol, DATAPLANE_PATHS, PROTOCOL_HEADER } from '../runtime/remote/protocol.js';
import { decodeTensors, encodeTensors, WireError } from '../runtime/remote/wire.js';
import type { Logger } from '../telemetry/logger.js';
import type { ReplicaHost } from './host.js';

export interface DataPlaneState {
  /** The digest of the node secret; undefined before the agent has joined (every call is refused). */
  secretDigest(): Buffer | undefined;
  draining(): boolean;
  /** Batches running now: a draining agent waits for them. */
  batchesInFlight: number;
}

function refuse(reply: FastifyReply, status: number, code: ErrorCode, error: string): FastifyReply {
  // A 503 says when to retry, as every gateway answer does (the catalogue's default for the code).
  const definition: ErrorDefinition = ERROR_CATALOGUE[code];
  const retryAfter = status === 503 ? definition.retryAfterSeconds : undefined;
  if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
  return reply.code(status).send({ code, error });
}

export function buildDataPlane(host: ReplicaHost, state: DataPlaneState, log: Logger): FastifyInstance {
  const app = Fastify({ bodyLimit: 256 * 1024 * 1024, logger: false });
  app.addHook('onRequest', async (request, reply) => {
    if (!matchesDigest(bearerOf(request.headers.authorization), state.secretDigest())) return refuse(reply, 401, 'JOIN_TOKEN_INVALID', 'the node secret is missing or wrong');
    const protocol = checkProtocol(request.headers[PROTOCOL_HEADER]);
    if (!protocol.ok) return refuse(reply, 400, 'DATAPLANE_PROTOCOL_UNSUPPORTED', protocol.reason);
    return undefined;
  });
  app.get(DATAPLANE_PATHS.health, async () => ({ ok: !state.draining(), draining: state.draining(), replicas: host.reports().map(({ replica, state: s }) => ({ replica, state: s })) }));
  app.post<{ Body: { replica?: unknown; outputs?: unknown; urgent?: unknown; inputs?: unknown } }>(DATAPLANE_PATHS.batch, async (request, reply) => {
    if (state.draining()) return refuse(reply, 503, 'SHUTTING_DOWN', 'this node is draining');
    const body = request.body;
    const hosted = typeof body?.replica === 'string' ? host.get(body.replica) : undefined;
    if (!hosted?.backend || hosted.state !== 'ready') return refuse(reply, 404, 'MODEL_NOT_READY', 'no such ready replica on this node');
    let inputs;
    try {
      inputs = decodeTensors(body.inputs);
    } catch (error) {
      if (error instanceof WireError) return refuse(reply, 400, 'INVALID_REQUEST', error.message);
      throw error;
    }
    const outputs = Array.isArray(body.outputs) ? body.outputs.map(String) : [];
    state.batchesInFlight++;
    try {
      // Protocol 1.1: the gateway marks a batch holding critical work; a 1.0 gateway never does.
      const result = await hosted.backend.run(inputs, outputs, body.urgent === true ? URGENT : undefined);
      return { outputs: encodeTensors(result.outputs), queue_ms: result.queueMs, compute_ms: result.computeMs };
    } catch (error) {
      log.error({ err: error, replica: hosted.id }, 'batch failed');
      return refuse(reply, 500, 'INFERENCE_FAILED', 'the backend failed on this batch');
    } finally {
      state.batchesInFlight--;
    }
  });
  return app;
}

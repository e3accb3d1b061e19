/**
 * At most `max` registry pushes are received and ingested at once. Each push holds its body in
 * memory (up to the push body limit) and inflates, parses and hashes it; without a cap, a few
 * deployer keys could take the server's memory. The slot is taken before the body is read and
 * freed when the response is finished or the connection drops.
 */
import type { onRequestHookHandler } from 'fastify';
import { SwitchyardError } from '../../core/errors.js';
import { sendError } from '../error-reply.js';

/** Why 5 s: a typical push of a few hundred MiB is ingested in seconds. */
const RETRY_AFTER_SECONDS = 5;

export function uploadSlots(max: number): onRequestHookHandler {
  let active = 0;
  return (_request, reply, done) => {
    if (active >= max) {
      void sendError(reply, new SwitchyardError('UPLOADS_BUSY', `${max} pushes are already being received (registry.ingest.max_concurrent_uploads); retry after ${RETRY_AFTER_SECONDS} s`, { retryAfterSeconds: RETRY_AFTER_SECONDS }));
      return;
    }
    active++;
    reply.raw.once('close', () => {
      active--;
    });
    done();
  };
}

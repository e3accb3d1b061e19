/**
 * First start: a store with no API key at all gets one admin key, so the admin API is usable
 * without ever being open. Its text is returned to be printed once; only its hash is kept.
 */
import { createKey } from '../gateway/auth/keys-routes.js';
import type { Storage } from '../registry/storage/storage.js';

export async function ensureAdminKey(storage: Storage): Promise<string | undefined> {
  if ((await storage.countApiKeys()) > 0) return undefined;
  const { text } = await createKey(storage, 'system', { name: 'initial admin', roles: ['admin'], tenant: null });
  return text;
}

/**
 * API key text: `sy_<id>_<secret>`, 32 random bytes of secret. Only the SHA-256 of the whole
 * text is stored; a presented key is found by its id and compared by hash in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface GeneratedKey {
  readonly id: string;
  /** `sy_<id>`: safe to show and log. */
  readonly prefix: string;
  /** The full key: shown once to its creator, never stored. */
  readonly text: string;
  readonly hash: string;
}

const KEY_PATTERN = /^sy_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export function hashKey(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function generateKey(): GeneratedKey {
  const id = randomBytes(6).toString('hex');
  const text = `sy_${id}_${randomBytes(32).toString('base64url')}`;
  return { id, prefix: `sy_${id}`, text, hash: hashKey(text) };
}

/** The id inside a well-formed key text, else undefined (no lookup for garbage). */
export function keyId(text: string): string | undefined {
  return KEY_PATTERN.exec(text)?.[1];
}

/** Whether `text` hashes to `storedHash`, compared in constant time. */
export function keyMatches(text: string, storedHash: string): boolean {
  const presented = createHash('sha256').update(text, 'utf8').digest();
  const stored = Buffer.from(storedHash, 'hex');
  return stored.length === presented.length && timingSafeEqual(presented, stored);
}

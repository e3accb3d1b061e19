/**
 * Shared secrets on the wire: the token of `authorization: Bearer <token>` and the digest a
 * secret is kept and compared as (the gateway's API keys, the cluster token, node secrets).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The token of an `authorization: Bearer <token>` header; undefined when there is none or the
 * header is not of that form. The scheme name is case-insensitive (RFC 7235).
 */
export function bearerOf(authorization: unknown): string | undefined {
  if (typeof authorization !== 'string') return undefined;
  return /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
}

/** SHA-256 of a secret: stored instead of the secret, and equal-length for a constant-time compare. */
export const digestOf = (secret: string): Buffer => createHash('sha256').update(secret).digest();

/** Whether `presented` is the secret whose digest is `expected`, in constant time. */
export function matchesDigest(presented: string | undefined, expected: Buffer | undefined): boolean {
  return presented !== undefined && expected !== undefined && timingSafeEqual(digestOf(presented), expected);
}

/**
 * The manifest of an artifact: every file with its relative path, size and SHA-256, in one
 * canonical byte form. The artifact digest is the SHA-256 of those bytes, so it names the
 * whole file set: a flipped byte, an added or a removed file gives another digest.
 */
import { createHash } from 'node:crypto';
import { setImmediate as yieldToLoop } from 'node:timers/promises';

/** Why 4 MiB: about 2 ms of hashing, short enough that inference between slices is not held up. */
const HASH_SLICE_BYTES = 4 * 1024 * 1024;

export interface ManifestFile {
  /** Relative `/`-separated path (see safe-path.ts). */
  readonly path: string;
  readonly size: number;
  /** Lower-case hex SHA-256 of the file's bytes. */
  readonly sha256: string;
}

export interface Manifest {
  readonly version: 1;
  /** Sorted by path (code unit order), unique. */
  readonly files: readonly ManifestFile[];
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The same digest as sha256Hex, hashed slice by slice with the event loop free between slices. */
export async function sha256HexYielding(bytes: Uint8Array): Promise<string> {
  const hash = createHash('sha256');
  for (let at = 0; at < bytes.byteLength; at += HASH_SLICE_BYTES) {
    hash.update(bytes.subarray(at, at + HASH_SLICE_BYTES));
    if (at + HASH_SLICE_BYTES < bytes.byteLength) await yieldToLoop();
  }
  return hash.digest('hex');
}

/** buildManifest for large uploads: a 1 GiB artifact would otherwise hold the event loop for seconds. */
export async function buildManifestYielding(files: Iterable<{ path: string; bytes: Uint8Array }>): Promise<Manifest> {
  const entries: ManifestFile[] = [];
  for (const f of files) entries.push({ path: f.path, size: f.bytes.byteLength, sha256: await sha256HexYielding(f.bytes) });
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { version: 1, files: entries };
}

export function buildManifest(files: Iterable<{ path: string; bytes: Uint8Array }>): Manifest {
  const entries = [...files].map((f) => ({ path: f.path, size: f.bytes.byteLength, sha256: sha256Hex(f.bytes) }));
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { version: 1, files: entries };
}

/** Canonical bytes: fixed key order, no whitespace; the signed and hashed form. */
export function canonicalManifest(manifest: Manifest): Buffer {
  const files = manifest.files.map((f) => `{"path":${JSON.stringify(f.path)},"sha256":"${f.sha256}","size":${f.size}}`);
  return Buffer.from(`{"files":[${files.join(',')}],"version":1}`, 'utf8');
}

/** `sha256:<hex>` of the canonical manifest. */
export function manifestDigest(manifest: Manifest): string {
  return `sha256:${sha256Hex(canonicalManifest(manifest))}`;
}

const DIGEST = /^sha256:([0-9a-f]{64})$/;

export function digestHex(digest: string): string | undefined {
  return DIGEST.exec(digest)?.[1];
}

/** Reads a manifest from untrusted JSON, checking its shape; undefined when it is not one. */
export function parseManifest(value: unknown): Manifest | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { version, files } = value as { version?: unknown; files?: unknown };
  if (version !== 1 || !Array.isArray(files)) return undefined;
  const out: ManifestFile[] = [];
  for (const f of files as unknown[]) {
    if (typeof f !== 'object' || f === null) return undefined;
    const { path, size, sha256 } = f as Record<string, unknown>;
    if (typeof path !== 'string' || typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) return undefined;
    if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) return undefined;
    out.push({ path, size, sha256 });
  }
  return { version: 1, files: out };
}

/**
 * Reads an artifact from its version folder and computes its digest in one pass, so the bytes
 * that are verified are the very bytes that get loaded. Refuses anything that is not a regular
 * file inside the folder (a symlink out of the repository, a device, a folder).
 */
import { createHash } from 'node:crypto';
import { lstat, readFile, realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';

export interface LoadedArtifact {
  readonly path: string;
  readonly bytes: Uint8Array;
  /** `sha256:<hex>` of the bytes. */
  readonly digest: string;
}

export class ArtifactError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArtifactError';
  }
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export async function readArtifact(versionDir: string, fileName: string, maxBytes: number): Promise<LoadedArtifact> {
  const path = join(versionDir, fileName);
  const stats = await lstat(path).catch(() => undefined);
  if (!stats) throw new ArtifactError(`artifact '${fileName}' does not exist`);
  if (!stats.isFile()) throw new ArtifactError(`artifact '${fileName}' is not a regular file (symlinks are refused)`);
  const [realDir, realFile] = await Promise.all([realpath(versionDir), realpath(path)]);
  if (!realFile.startsWith(realDir + sep)) throw new ArtifactError(`artifact '${fileName}' resolves outside its version folder`);
  if (stats.size > maxBytes) throw new ArtifactError(`artifact '${fileName}' is ${stats.size} bytes, over the ${maxBytes}-byte limit`);
  const bytes = await readFile(realFile);
  return { path: realFile, bytes, digest: sha256Digest(bytes) };
}

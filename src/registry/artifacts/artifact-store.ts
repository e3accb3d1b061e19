/**
 * The content-addressed artifact store in the data folder:
 *
 *   <root>/sha256/<digest hex>/manifest.json   the manifest whose canonical SHA-256 is the digest
 *   <root>/sha256/<digest hex>/files/<path>    every file of the artifact at its relative path
 *   <root>/staging/<random>/                   a write in progress, renamed into place whole
 *
 * Files keep their relative paths (ONNX Runtime finds external data next to the model), and
 * the folder is named by the digest of the manifest of all of them. A load checks everything
 * again: the manifest against the digest asked for, then the folder against the manifest, so
 * a flipped byte, an added or a removed file refuses the load.
 */
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SwitchyardError } from '../../core/errors.js';
import { buildManifestYielding, canonicalManifest, digestHex, manifestDigest, parseManifest, sha256Hex, type Manifest } from './manifest.js';
import { printable, unsafePathReason } from './safe-path.js';

export interface ArtifactFile {
  readonly path: string;
  readonly bytes: Uint8Array;
}

export interface StoredArtifact {
  /** `sha256:<hex>` of the canonical manifest. */
  readonly digest: string;
  readonly manifest: Manifest;
  /** Folder holding the files at their relative paths. */
  readonly filesDir: string;
}

export interface LoadedArtifactFiles extends StoredArtifact {
  /** The verified bytes, by relative path: the very bytes that were hashed. */
  readonly files: ReadonlyMap<string, Buffer>;
}

function integrity(digest: string, reason: string): SwitchyardError {
  return new SwitchyardError('ARTIFACT_INTEGRITY_FAILED', `artifact ${digest} refused at load: ${reason}`);
}

async function writeDurably(path: string, bytes: Uint8Array): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class ArtifactStore {
  constructor(readonly root: string) {}

  private artifactDir(hex: string): string {
    return join(this.root, 'sha256', hex);
  }

  /**
   * Stores a set of files (paths already checked by ingest; checked again here) and returns
   * its digest. Nothing is visible until the whole staged folder is renamed into place;
   * storing the same content twice returns the same digest.
   */
  async put(files: readonly ArtifactFile[]): Promise<StoredArtifact> {
    for (const file of files) {
      const reason = unsafePathReason(file.path);
      if (reason) throw new SwitchyardError('ARTIFACT_REFUSED', `entry '${printable(file.path)}' refused: ${reason}`);
    }
    const manifest = await buildManifestYielding(files);
    const digest = manifestDigest(manifest);
    const hex = digestHex(digest) ?? '';
    const target = this.artifactDir(hex);
    const existing = await lstat(target).catch(() => undefined);
    if (existing) {
      await this.load(digest);
      return { digest, manifest, filesDir: join(target, 'files') };
    }
    await mkdir(join(this.root, 'staging'), { recursive: true });
    await mkdir(join(this.root, 'sha256'), { recursive: true });
    const staging = join(this.root, 'staging', randomBytes(12).toString('hex'));
    await mkdir(join(staging, 'files'), { recursive: true });
    try {
      for (const file of files) {
        const path = join(staging, 'files', ...file.path.split('/'));
        await mkdir(dirname(path), { recursive: true });
        await writeDurably(path, file.bytes);
      }
      await writeDurably(join(staging, 'manifest.json'), canonicalManifest(manifest));
      await rename(staging, target).catch(async (error: NodeJS.ErrnoException) => {
        // Another writer stored the same content first: theirs is as good as ours.
        if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
      });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    return { digest, manifest, filesDir: join(target, 'files') };
  }

  /** Reads and verifies an artifact; throws ARTIFACT_INTEGRITY_FAILED naming the first problem found. */
  async load(digest: string): Promise<LoadedArtifactFiles> {
    const hex = digestHex(digest);
    if (!hex) throw integrity(digest, 'not a sha256 digest');
    const dir = this.artifactDir(hex);
    const manifestText = await readFile(join(dir, 'manifest.json'), 'utf8').catch(() => undefined);
    if (manifestText === undefined) throw integrity(digest, 'its manifest is missing from the store');
    let parsed: unknown;
    try {
      parsed = JSON.parse(manifestText);
    } catch {
      throw integrity(digest, 'its manifest is not valid JSON');
    }
    const manifest = parseManifest(parsed);
    if (!manifest) throw integrity(digest, 'its manifest is malformed');
    if (manifestDigest(manifest) !== digest) throw integrity(digest, `its manifest hashes to ${manifestDigest(manifest)}, not to the digest asked for`);
    const filesDir = join(dir, 'files');
    const found = await this.walk(digest, filesDir, '');
    const listed = new Map(manifest.files.map((f) => [f.path, f]));
    for (const path of found) if (!listed.has(path)) throw integrity(digest, `file '${printable(path)}' is not in the manifest (added)`);
    const files = new Map<string, Buffer>();
    for (const entry of manifest.files) {
      if (!found.has(entry.path)) throw integrity(digest, `file '${printable(entry.path)}' listed in the manifest is missing (removed)`);
      const bytes = await readFile(join(filesDir, ...entry.path.split('/')));
      if (bytes.byteLength !== entry.size || sha256Hex(bytes) !== entry.sha256) {
        throw integrity(digest, `file '${printable(entry.path)}' does not match its SHA-256 in the manifest (changed)`);
      }
      files.set(entry.path, bytes);
    }
    return { digest, manifest, filesDir, files };
  }

  /** Every regular file under `dir` as relative paths; a link or device anywhere refuses the load. */
  private async walk(digest: string, dir: string, prefix: string): Promise<Set<string>> {
    const out = new Set<string>();
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => undefined);
    if (!entries) throw integrity(digest, `folder '${prefix || 'files'}' is missing or unreadable`);
    for (const entry of entries) {
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      const stats = await lstat(join(dir, entry.name));
      if (stats.isDirectory()) for (const p of await this.walk(digest, join(dir, entry.name), rel)) out.add(p);
      else if (stats.isFile()) out.add(rel);
      else throw integrity(digest, `'${printable(rel)}' is not a regular file (links and devices are refused)`);
    }
    return out;
  }

  /** The manifest bytes as stored, for signature checks (already verified by `load`). */
  static canonical(manifest: Manifest): Buffer {
    return canonicalManifest(manifest);
  }
}

/** Where the artifact store lives inside the data folder. */
export function artifactStoreRoot(dataDir: string): string {
  return join(dataDir, 'artifacts');
}


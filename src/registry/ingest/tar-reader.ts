/**
 * Reads a tar or tar.gz held in memory into its files, refusing on the way: any entry that is
 * not a plain file or folder (symlink, hardlink, device, FIFO), an unsafe path, and anything
 * over the limits. Gzip is inflated with a hard output cap, so a small bomb cannot fill memory.
 * Writes nothing: the caller stores the files only once every check passed.
 */
import { gunzipSync } from 'node:zlib';
import { extract, type Header } from 'tar-stream';
import { SwitchyardError } from '../../core/errors.js';
import type { ArtifactFile } from '../artifacts/artifact-store.js';
import { printable, unsafePathReason } from '../artifacts/safe-path.js';
import type { IngestLimits } from './limits.js';

const refuse = (message: string): SwitchyardError => new SwitchyardError('ARTIFACT_REFUSED', message);
const tooLarge = (message: string): SwitchyardError => new SwitchyardError('ARTIFACT_TOO_LARGE', message);

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Why the slack: each entry carries a 512-byte header and up to 511 bytes of padding, plus pax headers. */
function inflatedCap(limits: IngestLimits): number {
  return Math.min(limits.maxTotalBytes + (limits.maxEntries + 4) * 2048, 2 ** 32);
}

function inflate(bytes: Uint8Array, limits: IngestLimits): Buffer {
  try {
    return gunzipSync(bytes, { maxOutputLength: inflatedCap(limits) });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
      throw tooLarge(`the archive inflates past the ingest limit of ${limits.maxTotalBytes} bytes`);
    }
    throw refuse(`the archive is not valid gzip: ${(error as Error).message}`);
  }
}

/** Tar entry paths: `./` prefixes are normal tar output; folders end in `/`. */
function entryPath(name: string): string {
  let path = name;
  while (path.startsWith('./')) path = path.slice(2);
  return path.endsWith('/') ? path.slice(0, -1) : path;
}

function checkHeader(header: Header, count: number, total: number, limits: IngestLimits): { path: string; isFile: boolean } {
  if (count > limits.maxEntries) throw tooLarge(`the archive has more than ${limits.maxEntries} entries`);
  const path = entryPath(header.name);
  const type = header.type ?? 'file';
  if (type !== 'file' && type !== 'directory') {
    throw refuse(`entry '${printable(header.name)}' is a ${type}; only regular files and folders are accepted`);
  }
  // The archive's own root (`./`) is a folder entry with nothing to create.
  if (type === 'directory' && (path === '' || path === '.')) return { path, isFile: false };
  const reason = unsafePathReason(path);
  if (reason) throw refuse(`entry '${printable(header.name)}' refused: ${reason}`);
  const size = header.size ?? 0;
  if (size > limits.maxEntryBytes) throw tooLarge(`entry '${printable(path)}' is ${size} bytes, over the per-entry limit of ${limits.maxEntryBytes}`);
  if (total + size > limits.maxTotalBytes) throw tooLarge(`the archive holds more than ${limits.maxTotalBytes} bytes`);
  return { path, isFile: type === 'file' };
}

export async function readTarArchive(archive: Uint8Array, limits: IngestLimits): Promise<ArtifactFile[]> {
  const tar = isGzip(archive) ? inflate(archive, limits) : Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength);
  const files: ArtifactFile[] = [];
  let count = 0;
  let total = 0;
  const reader = extract();
  // The first refusal is kept and the rest of the archive drained: destroying the parser mid-entry
  // would surface the error a second time through the entry stream.
  let refusal: SwitchyardError | undefined;
  const done = new Promise<void>((resolve, reject) => {
    reader.on('entry', (header, stream, next) => {
      stream.on('error', () => undefined);
      let checked: { path: string; isFile: boolean } | undefined;
      if (!refusal) {
        try {
          checked = checkHeader(header, ++count, total, limits);
        } catch (error) {
          refusal = error as SwitchyardError;
        }
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: unknown) => {
        if (checked?.isFile) chunks.push(chunk as Buffer);
      });
      stream.on('end', () => {
        if (checked?.isFile && !refusal) {
          const bytes = Buffer.concat(chunks);
          total += bytes.byteLength;
          files.push({ path: checked.path, bytes });
        }
        next();
      });
    });
    reader.on('finish', resolve);
    reader.on('error', reject);
  });
  reader.end(tar);
  try {
    await done;
  } catch (error) {
    throw refusal ?? refuse(`the archive is not a valid tar: ${(error as Error).message}`);
  }
  if (refusal) throw refusal;
  if (count === 0 && tar.length > 0 && !tar.subarray(0, 1024).every((b) => b === 0)) throw refuse('the archive is not a valid tar: no entries found');
  return files;
}

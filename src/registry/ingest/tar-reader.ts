/**
 * Reads a tar or tar.gz held in memory into its files, refusing on the way: any entry that is
 * not a plain file or folder (symlink, hardlink, device, FIFO), an unsafe path, and anything
 * over the limits. Writes nothing: the caller stores the files only once every check passed.
 *
 * Gzip is inflated as a stream on libuv's thread pool (not on the event loop) and counted as it
 * comes: the first byte past the budget stops it, so a small bomb costs only its budget in time
 * and memory. The budget is the total limit, or `maxInflateRatio` times the compressed size.
 */
import { createGunzip } from 'node:zlib';
import { extract, type Header } from 'tar-stream';
import { SwitchyardError } from '../../core/errors.js';
import type { ArtifactFile } from '../artifacts/artifact-store.js';
import { printable, unsafePathReason } from '../artifacts/safe-path.js';
import type { IngestLimits } from './limits.js';

const refuse = (message: string): SwitchyardError => new SwitchyardError('ARTIFACT_REFUSED', message);
const tooLarge = (message: string): SwitchyardError => new SwitchyardError('ARTIFACT_TOO_LARGE', message);

/** Why a floor: a small archive of small files is mostly header padding and compresses very well. */
const RATIO_FLOOR_BYTES = 1024 * 1024;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** How many bytes the tar stream may hold, and the message of a refusal when it holds more. */
interface Budget {
  readonly bytes: number;
  readonly why: string;
}

/** Why the slack: each entry carries a 512-byte header and up to 511 bytes of padding, plus pax headers. */
function budgetOf(archive: Uint8Array, gzip: boolean, limits: IngestLimits): Budget {
  const total = Math.min(limits.maxTotalBytes + (limits.maxEntries + 4) * 2048, 2 ** 32);
  if (!gzip) return { bytes: total, why: `the ingest limit of ${limits.maxTotalBytes} bytes (registry.ingest.max_total_bytes)` };
  const ratio = Math.max(RATIO_FLOOR_BYTES, limits.maxInflateRatio * archive.byteLength);
  if (ratio < total) return { bytes: ratio, why: `${limits.maxInflateRatio} times its ${archive.byteLength} compressed bytes (registry.ingest.max_inflate_ratio); a gzip bomb or an archive to send uncompressed` };
  return { bytes: total, why: `the ingest limit of ${limits.maxTotalBytes} bytes (registry.ingest.max_total_bytes)` };
}

/** Tar entry paths: `./` prefixes are normal tar output; folders end in `/`. */
function entryPath(name: string): string {
  let path = name;
  while (path.startsWith('./')) path = path.slice(2);
  return path.endsWith('/') ? path.slice(0, -1) : path;
}

function checkHeader(header: Header, count: number, total: number, limits: IngestLimits, budget: Budget): { path: string; isFile: boolean } {
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
  // Refused on its header, before its bytes are inflated.
  if (total + size > budget.bytes) throw tooLarge(`entry '${printable(path)}' is ${size} bytes: the archive would inflate past ${budget.why}`);
  return { path, isFile: type === 'file' };
}

export async function readTarArchive(archive: Uint8Array, limits: IngestLimits): Promise<ArtifactFile[]> {
  const gzip = isGzip(archive);
  const budget = budgetOf(archive, gzip, limits);
  const files: ArtifactFile[] = [];
  let count = 0;
  let total = 0;
  let received = 0;
  const reader = extract();
  const gunzip = gzip ? createGunzip() : undefined;
  let settle: (error: SwitchyardError | undefined) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    settle = (error) => {
      settle = () => undefined;
      if (!error) return resolve();
      // Stop inflating and parsing now; what they still emit is ignored.
      gunzip?.destroy();
      reader.destroy();
      reject(error);
    };
  });
  reader.on('entry', (header, stream, next) => {
    stream.on('error', () => undefined);
    let checked: { path: string; isFile: boolean };
    try {
      checked = checkHeader(header, ++count, total, limits, budget);
    } catch (error) {
      settle(error as SwitchyardError);
      return;
    }
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: unknown) => {
      if (checked.isFile) chunks.push(chunk as Buffer);
    });
    stream.on('end', () => {
      if (checked.isFile) {
        const bytes = Buffer.concat(chunks);
        total += bytes.byteLength;
        files.push({ path: checked.path, bytes });
      }
      next();
    });
  });
  reader.on('finish', () => settle(undefined));
  reader.on('error', (error) => settle(refuse(`the archive is not a valid tar: ${error.message}`)));
  const feed = (chunk: Buffer): void => {
    received += chunk.byteLength;
    if (received > budget.bytes) return settle(tooLarge(`the archive inflates past ${budget.why}`));
    if (!reader.write(chunk)) gunzip?.pause();
  };
  if (gunzip) {
    reader.on('drain', () => gunzip.resume());
    gunzip.on('data', (chunk: Buffer) => feed(chunk));
    gunzip.on('end', () => reader.end(undefined));
    gunzip.on('error', (error) => settle(refuse(`the archive is not valid gzip: ${error.message}`)));
    gunzip.end(archive);
  } else {
    feed(Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength));
    reader.end(undefined);
  }
  await done;
  if (count === 0 && received > 0 && !isAllZeros(archive, gzip, received)) throw refuse('the archive is not a valid tar: no entries found');
  return files;
}

/** An empty tar is 1024 zero bytes; anything else without one entry is not a tar. */
function isAllZeros(archive: Uint8Array, gzip: boolean, received: number): boolean {
  // A gzip whose inflated bytes produced no entry and no parse error held only end-of-archive blocks.
  if (gzip) return received <= 10240;
  return archive.subarray(0, 1024).every((b) => b === 0);
}

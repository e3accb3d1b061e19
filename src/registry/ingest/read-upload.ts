/**
 * An upload, as the admin API and CLI send it, into the checked files of an artifact: a single
 * `.onnx` file or a tar / tar.gz archive. Everything is refused or accepted in memory; the
 * store writes only what passed.
 */
import { SwitchyardError } from '../../core/errors.js';
import type { ArtifactFile } from '../artifacts/artifact-store.js';
import { printable, unsafePathReason } from '../artifacts/safe-path.js';
import { checkArtifactFiles } from './check-files.js';
import type { IngestLimits } from './limits.js';
import { readTarArchive } from './tar-reader.js';

export type Upload =
  | { readonly kind: 'file'; readonly fileName: string; readonly bytes: Uint8Array }
  | { readonly kind: 'archive'; readonly bytes: Uint8Array };

export async function readUpload(upload: Upload, limits: IngestLimits): Promise<ArtifactFile[]> {
  let files: ArtifactFile[];
  if (upload.kind === 'file') {
    const reason = unsafePathReason(upload.fileName);
    if (reason || upload.fileName.includes('/')) {
      throw new SwitchyardError('ARTIFACT_REFUSED', `file name '${printable(upload.fileName)}' refused: ${reason ?? 'a single file takes a bare name'}`);
    }
    if (!upload.fileName.endsWith('.onnx')) throw new SwitchyardError('ARTIFACT_REFUSED', 'a single-file upload must be an .onnx model; send other layouts as a tar or tar.gz archive');
    const limit = Math.min(limits.maxEntryBytes, limits.maxTotalBytes);
    if (upload.bytes.byteLength > limit) throw new SwitchyardError('ARTIFACT_TOO_LARGE', `the file is ${upload.bytes.byteLength} bytes, over the ingest limit of ${limit}`);
    files = [{ path: upload.fileName, bytes: upload.bytes }];
  } else {
    files = await readTarArchive(upload.bytes, limits);
  }
  checkArtifactFiles(files);
  return files;
}

/**
 * Ingest in one call: read and check the upload in memory, then store it. A refusal happens
 * before the store is touched, so a refused upload leaves no file anywhere.
 */
import type { ArtifactStore, StoredArtifact } from '../artifacts/artifact-store.js';
import type { IngestLimits } from './limits.js';
import { readUpload, type Upload } from './read-upload.js';

export async function ingestArtifact(store: ArtifactStore, upload: Upload, limits: IngestLimits): Promise<StoredArtifact> {
  const files = await readUpload(upload, limits);
  return store.put(files);
}

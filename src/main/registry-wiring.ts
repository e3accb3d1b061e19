/** Builds the model registry service of a server: the artifact store in the data folder over the storage. */
import type { ServerConfig } from '../core/config.js';
import { ArtifactStore, artifactStoreRoot } from '../registry/artifacts/artifact-store.js';
import { RegistryService } from '../registry/service/registry-service.js';
import type { Storage } from '../registry/storage/storage.js';

/** Why the cap: V8 cannot hold a JSON body string past about 512 MiB; larger artifacts go as octet-stream. */
const MAX_PUSH_BODY = 2 ** 31 - 1;

export function registryDeps(config: ServerConfig, storage: Storage): { service: RegistryService; pushBodyLimitBytes: number } {
  const store = new ArtifactStore(artifactStoreRoot(config.dataDir));
  const base64 = Math.ceil(config.registry.ingest.maxTotalBytes / 3) * 4;
  return { service: new RegistryService(storage, store, config.registry), pushBodyLimitBytes: Math.min(base64 + 1024 * 1024, MAX_PUSH_BODY) };
}

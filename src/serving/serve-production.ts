/**
 * Serves each registry model's `production` version next to the model repository's folders.
 * The artifact is loaded through the registry, which verifies it again (digest, files,
 * signature) and audits a refusal; a refused version is UNAVAILABLE with its reason and never
 * becomes ready. A registry model whose name the repository folder already serves is left out
 * (the folder wins, and the conflict is logged).
 */
import { isSwitchyardError, SwitchyardError } from '../core/errors.js';
import type { ModelVersionConfig } from '../registry/model-config.js';
import type { VersionContract } from '../registry/contracts/version-contract.js';
import type { RegistryService } from '../registry/service/registry-service.js';
import type { CatalogLogger, ModelCatalog, ServedVersion } from './model-catalog.js';

/** The model file of an artifact: `model.onnx`, else its only top-level `.onnx` file. */
function entryFile(paths: readonly string[]): string | undefined {
  if (paths.includes('model.onnx')) return 'model.onnx';
  const top = paths.filter((p) => p.endsWith('.onnx') && !p.includes('/'));
  return top.length === 1 ? top[0] : undefined;
}

/** What `metadata.source` says of a version served from the registry (set below). */
const REGISTRY_SOURCE = 'registry';

/** Whether a served version came from the registry's store (not from a model repository folder). */
export function isRegistryVersion(served: ServedVersion): boolean {
  return served.config?.metadata.source === REGISTRY_SOURCE;
}

/** The model file of a registry version, loaded (and verified) again through the registry: what agents fetch. */
export async function registryModelFile(registry: RegistryService, model: string, version: string): Promise<Uint8Array> {
  const { artifact } = await registry.loadVersion(model, version);
  const entry = entryFile([...artifact.files.keys()]);
  const bytes = entry === undefined ? undefined : artifact.files.get(entry);
  if (!bytes) throw new SwitchyardError('MODEL_NOT_READY', `registry version ${model}/${version} has no model file`);
  return bytes;
}

function servingConfig(contract: VersionContract, artifact: string, digest: string, description: string): ModelVersionConfig {
  const tensor = (t: VersionContract['inputs'][number]) => ({
    name: t.name,
    datatype: t.datatype,
    shape: t.shape,
    // A batchable version batches on a leading variable axis, as model.yaml's batch_axis: 0.
    batchAxis: contract.maxBatchSize > 0 && t.shape[0] === -1 ? 0 : undefined,
    description: undefined,
  });
  return {
    description,
    backend: 'onnx',
    artifact,
    digest,
    latencyClass: 'realtime',
    contract: { inputs: contract.inputs.map(tensor), outputs: contract.outputs.map(tensor), maxBatchSize: contract.maxBatchSize },
    batching: { policy: 'adaptive', preferredBatchSizes: [], maxQueueDelayMs: { realtime: 0, throughput: 5 } },
    onnx: { executionProvider: undefined, intraOpThreads: undefined },
    metadata: { source: REGISTRY_SOURCE },
    slos: [],
    upstream: undefined,
    placement: { replicas: undefined, memoryBytes: undefined, hardwareClasses: undefined, tiers: undefined },
    fallbacks: [],
    driftReference: undefined,
  };
}

export async function serveProductionVersions(registry: RegistryService, catalog: ModelCatalog, log: CatalogLogger): Promise<void> {
  for (const { model, versions } of await registry.listModels()) {
    const production = versions.find((v) => v.state === 'production');
    if (!production) continue;
    if (catalog.hasModel(model.name)) {
      log.warn({ model: model.name }, 'registry model has the name of a model repository folder; the folder is served');
      continue;
    }
    const refuse = (reason: string) => catalog.add({ ok: false, model: model.name, version: production.version, dir: '', reason, digest: production.digest });
    try {
      const { artifact, contract } = await registry.loadVersion(model.name, production.version);
      const entry = entryFile([...artifact.files.keys()]);
      if (entry === undefined) {
        await refuse('the artifact has no model.onnx and not exactly one top-level .onnx file');
        continue;
      }
      const bytes = artifact.files.get(entry) ?? new Uint8Array();
      await catalog.add({
        ok: true,
        model: model.name,
        version: production.version,
        dir: artifact.filesDir,
        config: servingConfig(contract, entry, production.digest, model.description),
        artifact: { path: entry, bytes, digest: production.digest },
      });
    } catch (error) {
      if (!isSwitchyardError(error)) throw error;
      await refuse(error.message);
    }
  }
}

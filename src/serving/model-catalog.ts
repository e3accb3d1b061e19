/**
 * The model versions this server knows and the state each is in. Loading one version never
 * stops the others: a version that fails any check is UNAVAILABLE with its reason.
 */
import type { ServerConfig } from '../core/config.js';
import type { ModelVersionConfig } from '../registry/model-config.js';
import { scanRepository, scanRepositoryModel, type VersionCandidate } from '../registry/model-repository.js';
import { readArtifact } from '../registry/artifact.js';
import type { Backend, LoadBackend, LoadedBackend } from '../runtime/backend.js';
import { loadRulesBackend } from '../runtime/rules/rules-backend.js';
import { checkSignature } from '../runtime/signature-check.js';
import { loadUpstreamBackend, type LoadUpstream } from '../runtime/upstream/load-upstream.js';

/** Why: rules and reference files are small JSON documents; anything larger is a mistake. */
const MAX_SIDE_FILE_BYTES = 16 * 1024 * 1024;

/**
 * Whether a loaded version serves (not its registry lifecycle stage, see registry/lifecycle/stages.ts).
 * LOADING: being read and loaded; READY: serving; UNAVAILABLE: refused (see `reason`);
 * UNLOADING: draining before its backend is freed.
 */
export type ServingState = 'LOADING' | 'READY' | 'UNAVAILABLE' | 'UNLOADING';

export interface ServedVersion {
  readonly model: string;
  readonly version: string;
  state: ServingState;
  reason: string | undefined;
  digest: string | undefined;
  config: ModelVersionConfig | undefined;
  backend: Backend | undefined;
  /** Rules backends of the version's `kind: rules` fallbacks, by file name (loaded and checked with it). */
  fallbackRules: ReadonlyMap<string, Backend>;
  /** The bytes of the drift reference file the config names, when it names one. */
  driftReference: Uint8Array | undefined;
}

export interface CatalogLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

function compareVersions(a: string, b: string): number {
  return Number(a) - Number(b);
}

export class ModelCatalog {
  private readonly models = new Map<string, Map<string, ServedVersion>>();

  constructor(
    private readonly config: ServerConfig,
    private readonly loadBackend: LoadBackend,
    private readonly log: CatalogLogger,
    private readonly loadUpstream: LoadUpstream = loadUpstreamBackend,
  ) {}

  /** Scans the repository and loads every version found, concurrently. */
  async loadRepository(): Promise<void> {
    const candidates = await scanRepository(this.config.modelRepository);
    await Promise.all(candidates.map((c) => this.loadCandidate(c)));
  }

  /**
   * Reads one model's folder again and loads each version that is not READY or LOADING (a new
   * folder, or one unloaded before); a READY version is left serving as it is. Returns the
   * versions this call loaded, or undefined when the repository has no folder of that name.
   */
  async loadModel(model: string): Promise<ServedVersion[] | undefined> {
    const candidates = await scanRepositoryModel(this.config.modelRepository, model);
    if (!candidates) return undefined;
    const fresh = candidates.filter((c) => {
      const state = this.get(c.model, c.version)?.state;
      return state !== 'READY' && state !== 'LOADING' && state !== 'UNLOADING';
    });
    await Promise.all(fresh.map((c) => this.loadCandidate(c)));
    return fresh.map((c) => this.get(c.model, c.version)).filter((v): v is ServedVersion => v !== undefined);
  }

  /**
   * Frees a version's backend after `drain` (the scheduler answering what it admitted) and
   * leaves it UNAVAILABLE with the reason. New requests are refused from the moment this starts.
   */
  async unloadVersion(entry: ServedVersion, drain: () => Promise<void>, reason: string): Promise<void> {
    if (entry.state === 'UNLOADING') return;
    entry.state = 'UNLOADING';
    try {
      await drain();
      await entry.backend?.unload();
      await Promise.all([...entry.fallbackRules.values()].map((b) => b.unload()));
    } finally {
      entry.backend = undefined;
      entry.fallbackRules = new Map();
      entry.state = 'UNAVAILABLE';
      entry.reason = reason;
      this.log.info({ model: entry.model, version: entry.version, reason }, 'model version unloaded');
    }
  }

  /** Loads one version read and verified elsewhere (the registry's production versions). */
  async add(candidate: VersionCandidate): Promise<void> {
    return this.loadCandidate(candidate);
  }

  private async loadCandidate(candidate: VersionCandidate): Promise<void> {
    const entry: ServedVersion = {
      model: candidate.model,
      version: candidate.version,
      state: 'LOADING',
      reason: undefined,
      digest: candidate.ok ? candidate.artifact?.digest : candidate.digest,
      config: candidate.ok ? candidate.config : undefined,
      backend: undefined,
      fallbackRules: new Map(),
      driftReference: undefined,
    };
    let versions = this.models.get(candidate.model);
    if (!versions) this.models.set(candidate.model, (versions = new Map<string, ServedVersion>()));
    versions.set(candidate.version, entry);
    if (!candidate.ok) return this.refuse(entry, candidate.reason);
    const { config, artifact } = candidate;
    try {
      let loaded: LoadedBackend;
      if (config.upstream) {
        loaded = await this.loadUpstream({ model: candidate.model, settings: config.upstream, contract: config.contract, env: process.env, now: () => performance.now() });
      } else if (artifact && config.backend === 'rules') {
        loaded = { backend: loadRulesBackend(artifact.bytes, `${candidate.model}/${candidate.version}/${config.artifact}`, config.contract), signature: { inputs: [], outputs: [] } };
      } else if (artifact) {
        loaded = await this.loadBackend({
          name: `${candidate.model}/${candidate.version}`,
          bytes: artifact.bytes,
          executionProvider: config.onnx.executionProvider ?? this.config.onnx.executionProvider,
          intraOpThreads: config.onnx.intraOpThreads ?? this.config.onnx.intraOpThreads,
          instances: this.config.onnx.instances,
          inlineBelowMs: this.config.onnx.inlineBelowMs,
          workerNice: this.config.onnx.workerNice,
        });
      } else {
        return this.refuse(entry, 'no artifact to load');
      }
      // A rules backend checked itself against the contract as it loaded.
      const problems = config.backend === 'rules' ? [] : checkSignature(config.contract, loaded.signature);
      if (problems.length > 0) {
        await loaded.backend.unload();
        return this.refuse(entry, `contract does not match the ${config.upstream ? 'upstream' : 'artifact'}: ${problems.join('; ')}`);
      }
      entry.fallbackRules = await this.loadFallbackRules(candidate.dir, entry, config);
      if (config.driftReference !== undefined) entry.driftReference = (await readArtifact(candidate.dir, config.driftReference, MAX_SIDE_FILE_BYTES)).bytes;
      entry.backend = loaded.backend;
      entry.state = 'READY';
      this.log.info({ model: entry.model, version: entry.version, digest: entry.digest }, 'model version ready');
    } catch (error) {
      this.refuse(entry, error instanceof Error ? error.message : String(error));
    }
  }

  /** A rules fallback that does not load or fit the contract is dropped from the chain, with a warning. */
  private async loadFallbackRules(dir: string, entry: ServedVersion, config: ModelVersionConfig): Promise<Map<string, Backend>> {
    const rules = new Map<string, Backend>();
    for (const link of config.fallbacks) {
      if (link.kind !== 'rules' || rules.has(link.file)) continue;
      try {
        const { bytes } = await readArtifact(dir, link.file, MAX_SIDE_FILE_BYTES);
        rules.set(link.file, loadRulesBackend(bytes, `${entry.model}/${entry.version}/${link.file}`, config.contract));
      } catch (error) {
        this.log.warn({ model: entry.model, version: entry.version, file: link.file, reason: error instanceof Error ? error.message : String(error) }, 'rules fallback dropped');
      }
    }
    return rules;
  }

  private refuse(entry: ServedVersion, reason: string): void {
    entry.state = 'UNAVAILABLE';
    entry.reason = reason;
    this.log.warn({ model: entry.model, version: entry.version, reason }, 'model version refused');
  }

  hasModel(model: string): boolean {
    return this.models.has(model);
  }

  /** Versions of a model, oldest first. */
  versions(model: string): ServedVersion[] {
    const versions = this.models.get(model);
    return versions ? [...versions.values()].sort((a, b) => compareVersions(a.version, b.version)) : [];
  }

  get(model: string, version: string): ServedVersion | undefined {
    return this.models.get(model)?.get(version);
  }

  /** The version a request without one goes to: the newest READY, else the newest. */
  defaultVersion(model: string): ServedVersion | undefined {
    const versions = this.versions(model);
    return versions.filter((v) => v.state === 'READY').at(-1) ?? versions.at(-1);
  }

  all(): ServedVersion[] {
    return [...this.models.keys()].sort().flatMap((m) => this.versions(m));
  }

  async unloadAll(): Promise<void> {
    await Promise.all(
      this.all().map(async (entry) => {
        if (!entry.backend) return;
        entry.state = 'UNLOADING';
        await entry.backend.unload();
        entry.backend = undefined;
      }),
    );
  }
}

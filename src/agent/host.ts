/**
 * The replicas an agent hosts: loads what the gateway assigns (checking each artifact's digest
 * before it loads), unloads what it no longer assigns, and reports each replica's state.
 */
import type { AgentReplicaState } from '../core/replica-states.js';
import type { ExecutionProvider } from '../core/config.js';
import { readRepositoryVersion } from '../registry/model-repository.js';
import type { Backend, LoadBackend, BackendLoadSpec } from '../runtime/backend.js';
import type { ArtifactSource, Assignment, ReplicaReport } from '../runtime/remote/control-protocol.js';
import { loadRulesBackend } from '../runtime/rules/rules-backend.js';
import { checkSignature } from '../runtime/signature-check.js';
import type { Logger } from '../telemetry/logger.js';

export interface OnnxDefaults {
  readonly executionProvider: ExecutionProvider;
  readonly intraOpThreads: number;
  readonly instances: number;
  readonly inlineBelowMs: number;
  readonly workerNice?: number;
}

export interface ReplicaHostOptions {
  /** This machine's copy of the model repository; artifacts are read and digest-checked from here. */
  readonly modelRepository: string;
  readonly loadBackend: LoadBackend;
  readonly onnx: OnnxDefaults;
  readonly log: Logger;
  /** A registry version's model file, from the gateway; a string is why not. */
  readonly fetchArtifact: (model: string, version: string) => Promise<Uint8Array | string>;
  /** A replica became ready or failed: tell the gateway now rather than at the next interval. */
  readonly onSettled: () => void;
}

export interface Hosted {
  readonly id: string;
  readonly model: string;
  readonly version: string;
  readonly digest: string;
  /** `repository`: this machine's copy, digest-checked; `gateway`: a registry version, fetched from the gateway. */
  readonly source: ArtifactSource;
  /** The agent loads a replica as soon as it is assigned, so it never holds one as `assigned`. */
  state: Exclude<AgentReplicaState, 'assigned'>;
  reason: string | undefined;
  backend: Backend | undefined;
  removed: boolean;
}

export class ReplicaHost {
  private readonly hosted = new Map<string, Hosted>();

  constructor(private readonly options: ReplicaHostOptions) {}

  get(replica: string): Hosted | undefined {
    return this.hosted.get(replica);
  }

  /** What the heartbeat reports. */
  reports(): ReplicaReport[] {
    return [...this.hosted.values()].map((h) => ({ replica: h.id, state: h.state, ...(h.reason === undefined ? {} : { reason: h.reason }) }));
  }

  /** Starts loading what is newly assigned, unloads what is no longer. */
  reconcile(assignments: readonly Assignment[]): void {
    const wanted = new Set<string>();
    for (const a of assignments) {
      wanted.add(a.replica);
      if (this.hosted.has(a.replica)) continue;
      const hosted: Hosted = { id: a.replica, model: a.model, version: a.version, digest: a.digest, source: a.source ?? 'repository', state: 'loading', reason: undefined, backend: undefined, removed: false };
      this.hosted.set(hosted.id, hosted);
      void this.load(hosted);
    }
    for (const hosted of [...this.hosted.values()]) {
      if (wanted.has(hosted.id)) continue;
      hosted.removed = true;
      this.hosted.delete(hosted.id);
      void hosted.backend?.unload();
    }
  }

  async unloadAll(): Promise<void> {
    const all = [...this.hosted.values()];
    this.hosted.clear();
    for (const h of all) h.removed = true;
    await Promise.all(all.flatMap((h) => (h.backend ? [h.backend.unload()] : [])));
  }

  /** Loads an assigned replica, with the backend its model config names (as the gateway's catalog does). */
  private async load(hosted: Hosted): Promise<void> {
    const refuse = (reason: string): void => {
      hosted.state = 'failed';
      hosted.reason = reason;
      this.options.log.warn({ replica: hosted.id, reason }, 'replica refused');
    };
    try {
      const loaded = hosted.source === 'gateway' ? await this.loadFromGateway(hosted) : await this.loadFromRepository(hosted);
      if (typeof loaded === 'string') refuse(loaded);
      else if (hosted.removed) await loaded.unload();
      else {
        hosted.backend = loaded;
        hosted.state = 'ready';
        this.options.log.info({ replica: hosted.id, digest: hosted.digest }, 'replica ready');
      }
    } catch (error) {
      refuse(error instanceof Error ? error.message : String(error));
    }
    this.options.onSettled();
  }

  // Note: the gateway's model catalog builds the same spec; one loadSpecFor() shared by both
  // waits until the catalog's move to src/serving/ has landed.
  private onnxSpec(hosted: Hosted, bytes: Uint8Array, session: { executionProvider?: ExecutionProvider | undefined; intraOpThreads?: number | undefined } = {}): BackendLoadSpec {
    const onnx = this.options.onnx;
    return {
      name: `${hosted.model}/${hosted.version}`,
      bytes,
      executionProvider: session.executionProvider ?? onnx.executionProvider,
      intraOpThreads: session.intraOpThreads ?? onnx.intraOpThreads,
      instances: onnx.instances,
      inlineBelowMs: onnx.inlineBelowMs,
      workerNice: onnx.workerNice ?? 0,
    };
  }

  /** This machine's copy of the version, refused unless its digest is the one assigned; a refusal is its reason. */
  private async loadFromRepository(hosted: Hosted): Promise<Backend | string> {
    const candidate = await readRepositoryVersion(this.options.modelRepository, hosted.model, hosted.version);
    if (!candidate.ok) return candidate.reason;
    const { artifact, config } = candidate;
    if (!artifact) return 'the version has no artifact (an upstream-backed model): agents host artifacts only';
    if (artifact.digest !== hosted.digest) return `artifact digest mismatch: the gateway assigned ${hosted.digest} but this node's '${config.artifact}' is ${artifact.digest}`;
    // A rules model checks itself against the contract as it loads.
    if (config.backend === 'rules') return loadRulesBackend(artifact.bytes, `${hosted.model}/${hosted.version}/${config.artifact}`, config.contract);
    const loaded = await this.options.loadBackend(this.onnxSpec(hosted, artifact.bytes, config.onnx));
    const problems = checkSignature(config.contract, loaded.signature);
    if (problems.length === 0) return loaded.backend;
    await loaded.backend.unload();
    return `contract does not match the artifact: ${problems.join('; ')}`;
  }

  /**
   * A registry version lives in the gateway's store, not in any model repository: its model file
   * comes from the gateway over the node-secret channel. The gateway verified the artifact
   * (manifest, signature, contract) as it loaded it.
   */
  private async loadFromGateway(hosted: Hosted): Promise<Backend | string> {
    const bytes = await this.options.fetchArtifact(hosted.model, hosted.version);
    if (typeof bytes === 'string') return bytes;
    return (await this.options.loadBackend(this.onnxSpec(hosted, bytes))).backend;
  }
}

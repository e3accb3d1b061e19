/**
 * The model registry over the Storage interface: immutable versions pushed with their artifact,
 * contract, lineage, card and evaluations; approvals and lifecycle transitions behind gates;
 * deployment history. Every change is appended to the audit log in the same transaction as
 * the change itself, and every refused artifact load is audited too.
 */
import { SwitchyardError } from '../../core/errors.js';
import type { RegistrySettings } from '../../core/registry-config.js';
import type { ArtifactFile, ArtifactStore, LoadedArtifactFiles } from '../artifacts/artifact-store.js';
import { buildManifest, canonicalManifest, manifestDigest, parseManifest } from '../artifacts/manifest.js';
import { checkManifestSignature } from '../artifacts/signatures.js';
import { compareContracts, type CompatibilityReport } from '../contracts/compatibility.js';
import { contractToJson, parseContract, type VersionContract } from '../contracts/version-contract.js';
import { fetchSource } from '../ingest/url-source.js';
import { readUpload, type Upload } from '../ingest/read-upload.js';
import { unmetGates } from '../lifecycle/gates.js';
import { canTransition, type Stage } from '../lifecycle/stages.js';
import type { ApprovalDecision, ApprovalRow, DeploymentRow, EvaluationRow, Json, ModelRow, ModelVersionRow, Role } from '../storage/rows.js';
import { StorageConflictError, type Storage } from '../storage/storage.js';
import { checkModelName, checkVersionName } from './names.js';
import type { EvaluationInput, PushMetadata } from './push-request.js';

export interface Actor {
  /** API key id (the audit actor). */
  readonly keyId: string;
  readonly roles: readonly Role[];
}

export type ArtifactSource = Upload | { readonly kind: 'url'; readonly url: string; readonly fileName?: string };

export interface PushResult {
  readonly version: ModelVersionRow;
  readonly compatibility: CompatibilityReport | undefined;
  readonly replaces: string | undefined;
}

export interface VersionDetail {
  readonly version: ModelVersionRow;
  readonly evaluations: readonly EvaluationRow[];
  readonly approvals: readonly ApprovalRow[];
  readonly unmetGates: readonly string[];
}

/** Stored in the version's manifest column next to the file list. */
interface StoredManifest {
  readonly version: 1;
  readonly files: Json;
  readonly signature?: { readonly keyId: string; readonly signature: string };
}

const notFoundModel = (name: string): SwitchyardError => {
  // A malformed name is a 400 (the caller's mistake), not an unknown model.
  checkModelName(name);
  return new SwitchyardError('MODEL_NOT_FOUND', `no model '${name}' in the registry`);
};
const notFoundVersion = (name: string, version: string): SwitchyardError => new SwitchyardError('MODEL_VERSION_NOT_FOUND', `model '${name}' has no version '${version}'`);

export class RegistryService {
  constructor(
    private readonly storage: Storage,
    private readonly store: ArtifactStore,
    private readonly settings: RegistrySettings,
  ) {}

  private limits() {
    return { maxTotalBytes: this.settings.ingest.maxTotalBytes, maxEntryBytes: this.settings.ingest.maxEntryBytes, maxEntries: this.settings.ingest.maxEntries, maxInflateRatio: this.settings.ingest.maxInflateRatio };
  }

  private async readSource(source: ArtifactSource): Promise<ArtifactFile[]> {
    if (source.kind !== 'url') return readUpload(source, this.limits());
    const policy = { allowList: this.settings.ingest.urlAllowList, allowHttp: this.settings.ingest.allowHttp, timeoutMs: this.settings.ingest.fetchTimeoutMs };
    const bytes = await fetchSource(source.url, policy, this.settings.ingest.maxTotalBytes);
    const last = new URL(source.url).pathname.split('/').at(-1) ?? '';
    const fileName = source.fileName ?? last;
    const upload: Upload = fileName.endsWith('.onnx') ? { kind: 'file', fileName, bytes } : { kind: 'archive', bytes };
    return readUpload(upload, this.limits());
  }

  /** The version a new push is checked against: production if any, else the newest one not retired. */
  private replaced(versions: readonly ModelVersionRow[]): ModelVersionRow | undefined {
    const live = versions.filter((v) => v.state !== 'retired');
    return live.find((v) => v.state === 'production') ?? live.sort((a, b) => Number(a.version) - Number(b.version)).at(-1);
  }

  /**
   * Push = check names and metadata, compare contracts, ingest (checked in memory first), check
   * the signature, store, then record version, evaluations, history and audit in one transaction.
   */
  async push(actor: Actor, model: string, version: string, metadata: PushMetadata, source: ArtifactSource): Promise<PushResult> {
    checkModelName(model);
    checkVersionName(version);
    const contract = parseContract(metadata.contract);
    if (await this.storage.getVersion(model, version)) throw new SwitchyardError('MODEL_VERSION_EXISTS', `model '${model}' already has version ${version}; versions are immutable`);
    const versions = await this.storage.listVersions(model);
    const parent = metadata.lineage.parentVersion;
    if (parent !== undefined && !versions.some((v) => v.version === parent)) {
      throw new SwitchyardError('INVALID_REQUEST', `lineage.parent_version ${parent} is not a version of '${model}'`);
    }
    const previous = this.replaced(versions);
    const compatibility = previous ? compareContracts(parseContract(previous.contract), contract) : undefined;
    if (compatibility?.breaking && !metadata.breaking) {
      const list = compatibility.changes.filter((c) => c.kind === 'breaking').map((c) => `${c.path}: ${c.message}`);
      throw new SwitchyardError('CONTRACT_BREAKING_UNDECLARED', `the contract breaks version ${previous?.version ?? ''} (${list.join('; ')}); push with breaking: true to declare it`);
    }
    const files = await this.readSource(source);
    const manifest = buildManifest(files);
    checkManifestSignature(canonicalManifest(manifest), metadata.signature, this.settings.signatures);
    const stored = await this.store.put(files);
    const manifestJson: StoredManifest = {
      version: 1,
      files: manifest.files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 })),
      ...(metadata.signature ? { signature: metadata.signature } : {}),
    };
    const record = () => this.storage.transaction(async (tx) => {
      if (!(await tx.getModel(model))) await tx.createModel({ name: model, description: metadata.description, createdBy: actor.keyId });
      const created = await tx.createVersion({
        model, version, digest: stored.digest, manifest: manifestJson as unknown as Json, contract: contractToJson(contract) as Json,
        lineage: metadata.lineage, modelCard: metadata.card, state: 'draft', breaking: metadata.breaking, createdBy: actor.keyId,
      }).catch((error: unknown) => {
        if (error instanceof StorageConflictError) throw new SwitchyardError('MODEL_VERSION_EXISTS', `model '${model}' already has version ${version}; versions are immutable`);
        throw error;
      });
      for (const evaluation of metadata.evaluations) await tx.addEvaluation({ model, version, dataset: evaluation.dataset, metrics: evaluation.metrics, createdBy: actor.keyId });
      await tx.addDeployment({ model, version, fromState: null, toState: 'draft', by: actor.keyId, reason: 'pushed' });
      await tx.appendAudit([{
        actor: actor.keyId, action: 'model.version.push', target: `model/${model}/${version}`, before: null,
        after: { digest: stored.digest, state: 'draft', breaking: metadata.breaking, signed: metadata.signature !== undefined, replaces: previous?.version ?? null, lineage: metadata.lineage as Json },
      }]);
      return created;
    });
    // Two first pushes of one model may race to create it: the loser's transaction rolls back
    // on the model's unique name and runs once more, now finding the model.
    const row = await record().catch((error: unknown) => {
      if (error instanceof StorageConflictError) return record();
      throw error;
    });
    return { version: row, compatibility, replaces: previous?.version };
  }

  async listModels(): Promise<{ model: ModelRow; versions: ModelVersionRow[] }[]> {
    const models = await this.storage.listModels();
    return Promise.all(models.map(async (model) => ({ model, versions: await this.storage.listVersions(model.name) })));
  }

  async getModel(name: string): Promise<{ model: ModelRow; versions: ModelVersionRow[]; deployments: DeploymentRow[] }> {
    const model = await this.storage.getModel(name);
    if (!model) throw notFoundModel(name);
    const [versions, deployments] = await Promise.all([this.storage.listVersions(name), this.storage.listDeployments(name)]);
    return { model, versions, deployments };
  }

  private async version(model: string, version: string): Promise<ModelVersionRow> {
    const row = await this.storage.getVersion(model, version);
    if (row) return row;
    if (!(await this.storage.getModel(model))) throw notFoundModel(model);
    throw notFoundVersion(model, version);
  }

  private gatesFor(model: string) {
    return this.settings.modelGates.get(model) ?? this.settings.gates;
  }

  /** Latest decision per key; only standing approvals count toward the gate. */
  private standingApprovals(approvals: readonly ApprovalRow[]): { keyId: string; role: string }[] {
    const latest = new Map<string, ApprovalRow>();
    for (const a of approvals) latest.set(`${a.approverKeyId}\u0000${a.role}`, a);
    return [...latest.values()].filter((a) => a.decision === 'approve').map((a) => ({ keyId: a.approverKeyId, role: a.role }));
  }

  async getVersion(model: string, version: string): Promise<VersionDetail> {
    const row = await this.version(model, version);
    const [evaluations, approvals] = await Promise.all([this.storage.listEvaluations(model, version), this.storage.listApprovals(model, version)]);
    const unmet = unmetGates(this.gatesFor(model), row.createdBy, this.standingApprovals(approvals), evaluations);
    return { version: row, evaluations, approvals, unmetGates: unmet };
  }

  async addEvaluation(actor: Actor, model: string, version: string, evaluation: EvaluationInput): Promise<EvaluationRow> {
    const row = await this.version(model, version);
    if (row.state === 'retired') throw new SwitchyardError('TRANSITION_NOT_ALLOWED', `version ${version} of '${model}' is retired`);
    return this.storage.transaction(async (tx) => {
      const added = await tx.addEvaluation({ model, version, dataset: evaluation.dataset, metrics: evaluation.metrics, createdBy: actor.keyId });
      await tx.appendAudit([{ actor: actor.keyId, action: 'model.version.evaluate', target: `model/${model}/${version}`, after: { dataset: evaluation.dataset, metrics: evaluation.metrics } }]);
      return added;
    });
  }

  /** Records an approval or rejection by a reviewer other than the pusher, while the version is staged. */
  async approve(actor: Actor, model: string, version: string, decision: ApprovalDecision, comment: string, role?: Role): Promise<ApprovalRow> {
    const row = await this.version(model, version);
    if (row.state !== 'staged') throw new SwitchyardError('TRANSITION_NOT_ALLOWED', `approvals are taken while a version is staged; version ${version} of '${model}' is ${row.state}`);
    if (row.createdBy === actor.keyId) throw new SwitchyardError('SELF_APPROVAL_FORBIDDEN', `key ${actor.keyId} pushed version ${version} of '${model}' and cannot approve it`);
    const wanted = new Set(this.gatesFor(model).approvals.map((a) => a.role));
    const chosen = role ?? actor.roles.find((r) => wanted.has(r)) ?? actor.roles[0];
    if (chosen === undefined || !actor.roles.includes(chosen)) throw new SwitchyardError('INVALID_REQUEST', `the key does not hold role '${chosen ?? ''}'`);
    return this.storage.transaction(async (tx) => {
      const added = await tx.addApproval({ model, version, approverKeyId: actor.keyId, role: chosen, decision, comment });
      await tx.appendAudit([{ actor: actor.keyId, action: `model.version.${decision}`, target: `model/${model}/${version}`, after: { role: chosen, decision, comment } }]);
      return added;
    });
  }

  /**
   * Moves a version to another stage. `approved` needs the gates; `production` loads and
   * verifies the artifact first (digest, files, signature) and moves the previous production
   * version back to `approved`.
   */
  async transition(actor: Actor, model: string, version: string, to: Stage, reason: string): Promise<ModelVersionRow> {
    const row = await this.version(model, version);
    if (!canTransition(row.state, to)) throw new SwitchyardError('TRANSITION_NOT_ALLOWED', `version ${version} of '${model}' is ${row.state}; it cannot move to ${to}`);
    if (to === 'approved') {
      const detail = await this.getVersion(model, version);
      if (detail.unmetGates.length > 0) throw new SwitchyardError('APPROVAL_GATE_UNMET', `version ${version} of '${model}' cannot be approved yet: ${detail.unmetGates.join('; ')}`);
    }
    if (to === 'production') await this.loadVersion(model, version, actor.keyId);
    const versions = to === 'production' ? await this.storage.listVersions(model) : [];
    const current = versions.find((v) => v.state === 'production' && v.version !== version);
    return this.storage.transaction(async (tx) => {
      if (!(await tx.setVersionState(model, version, row.state, to))) {
        throw new SwitchyardError('TRANSITION_NOT_ALLOWED', `version ${version} of '${model}' changed state concurrently; read it again`);
      }
      await tx.addDeployment({ model, version, fromState: row.state, toState: to, by: actor.keyId, reason });
      const audit = [{ actor: actor.keyId, action: 'model.version.transition', target: `model/${model}/${version}`, before: { state: row.state }, after: { state: to }, detail: { reason } }];
      if (current && (await tx.setVersionState(model, current.version, 'production', 'approved'))) {
        await tx.addDeployment({ model, version: current.version, fromState: 'production', toState: 'approved', by: actor.keyId, reason: `replaced by version ${version}` });
        audit.push({ actor: actor.keyId, action: 'model.version.transition', target: `model/${model}/${current.version}`, before: { state: 'production' }, after: { state: 'approved' }, detail: { reason: `replaced by version ${version}` } });
      }
      await tx.appendAudit(audit);
      return { ...row, state: to };
    });
  }

  /**
   * Loads a version's artifact for serving, verifying it again: the store's digest and file
   * checks, the stored manifest against the digest, and the signature under the current policy.
   * A refusal is audited (`model.version.load_refused`) and thrown; the caller never serves it.
   */
  async loadVersion(model: string, version: string, actor = 'system'): Promise<{ artifact: LoadedArtifactFiles; contract: VersionContract; row: ModelVersionRow }> {
    const row = await this.version(model, version);
    try {
      const artifact = await this.store.load(row.digest);
      const recorded = parseManifest(row.manifest);
      if (!recorded || manifestDigest(recorded) !== row.digest) throw new SwitchyardError('ARTIFACT_INTEGRITY_FAILED', `the manifest recorded for version ${version} of '${model}' does not hash to its digest`);
      const stored = row.manifest as unknown as StoredManifest;
      try {
        checkManifestSignature(canonicalManifest(recorded), stored.signature, this.settings.signatures);
      } catch (error) {
        if (error instanceof SwitchyardError) throw new SwitchyardError('ARTIFACT_INTEGRITY_FAILED', `signature check failed at load: ${error.message}`);
        throw error;
      }
      return { artifact, contract: parseContract(row.contract), row };
    } catch (error) {
      if (error instanceof SwitchyardError && error.code === 'ARTIFACT_INTEGRITY_FAILED') {
        await this.storage.appendAudit([{ actor, action: 'model.version.load_refused', target: `model/${model}/${version}`, detail: { digest: row.digest, reason: error.message } }]);
      }
      throw error;
    }
  }
}

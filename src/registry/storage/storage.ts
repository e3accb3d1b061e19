/**
 * The one storage interface of the governance records (models, versions, evaluations,
 * approvals, deployments, API keys, tenants, SLOs set through the API, audit log). Implementations: SQLite (embedded
 * default) and PostgreSQL (clusters); both pass test/registry/storage/storage-suite.ts.
 * Writes that must be atomic together run inside `transaction`.
 */
import type {
  ApiKeyRow, ApprovalRow, AuditEntryInput, AuditHead, AuditRow, DeploymentRow, EvaluationRow,
  ModelRow, ModelVersionRow, SloOverrideRow, TenantRow,
} from './rows.js';
import type { Stage } from '../lifecycle/stages.js';

export type StorageDriver = 'sqlite' | 'postgres';

export type NewModelVersion = Omit<ModelVersionRow, 'createdAt'>;
export type NewEvaluation = Omit<EvaluationRow, 'id' | 'createdAt'>;
export type NewApproval = Omit<ApprovalRow, 'id' | 'at'>;
export type NewDeployment = Omit<DeploymentRow, 'id' | 'at'>;
export type NewApiKey = Omit<ApiKeyRow, 'createdAt' | 'revokedAt'>;
export type NewTenant = Omit<TenantRow, 'createdAt'>;
export type NewSloOverride = Omit<SloOverrideRow, 'setAt'>;

export interface AuditPage {
  /** Rows with seq > afterSeq, oldest first. */
  readonly rows: readonly AuditRow[];
  /** Pass as afterSeq for the next page; null at the end. */
  readonly nextAfterSeq: number | null;
}

export interface Storage {
  readonly driver: StorageDriver;

  /** Runs `work` in one transaction: all its writes commit together or none do. */
  transaction<T>(work: (tx: Storage) => Promise<T>): Promise<T>;

  /** Creates a model; throws StorageConflictError if the name exists. */
  createModel(model: Omit<ModelRow, 'createdAt'>): Promise<ModelRow>;
  getModel(name: string): Promise<ModelRow | undefined>;
  listModels(): Promise<ModelRow[]>;

  /** Records an immutable version; throws StorageConflictError if (model, version) exists. */
  createVersion(version: NewModelVersion): Promise<ModelVersionRow>;
  getVersion(model: string, version: string): Promise<ModelVersionRow | undefined>;
  /** Versions of one model, oldest first. */
  listVersions(model: string): Promise<ModelVersionRow[]>;
  /** Moves a version to `to` only if it is in `from` now; returns false if it was not (lost race). */
  setVersionState(model: string, version: string, from: Stage, to: Stage): Promise<boolean>;

  addEvaluation(evaluation: NewEvaluation): Promise<EvaluationRow>;
  listEvaluations(model: string, version: string): Promise<EvaluationRow[]>;

  addApproval(approval: NewApproval): Promise<ApprovalRow>;
  listApprovals(model: string, version: string): Promise<ApprovalRow[]>;

  addDeployment(deployment: NewDeployment): Promise<DeploymentRow>;
  /** Deployment history of a model, oldest first. */
  listDeployments(model: string): Promise<DeploymentRow[]>;

  /** Stores a key (hashed by the caller); throws StorageConflictError on a duplicate id. */
  createApiKey(key: NewApiKey): Promise<ApiKeyRow>;
  getApiKey(id: string): Promise<ApiKeyRow | undefined>;
  listApiKeys(): Promise<ApiKeyRow[]>;
  /** Marks a key revoked; returns the row as it is afterwards, undefined if unknown. */
  revokeApiKey(id: string): Promise<ApiKeyRow | undefined>;
  countApiKeys(): Promise<number>;

  /** Creates or replaces a tenant. */
  putTenant(tenant: NewTenant): Promise<TenantRow>;
  getTenant(name: string): Promise<TenantRow | undefined>;
  listTenants(): Promise<TenantRow[]>;

  /** Creates or replaces the SLO override with this id (set_at is now). */
  putSloOverride(slo: NewSloOverride): Promise<SloOverrideRow>;
  getSloOverride(id: string): Promise<SloOverrideRow | undefined>;
  /** Every override, by id. */
  listSloOverrides(): Promise<SloOverrideRow[]>;

  /**
   * Appends entries to the hash chain, in order, atomically. Appends are serialised (across
   * processes too) so the chain stays linear.
   */
  appendAudit(entries: readonly AuditEntryInput[]): Promise<AuditRow[]>;
  /** A page of the log, oldest first. */
  listAudit(afterSeq: number, limit: number): Promise<AuditPage>;
  /** The last row's seq and hash; seq 0 and the genesis hash when empty. */
  auditHead(): Promise<AuditHead>;

  /** Closes connections; the object is unusable afterwards. */
  close(): Promise<void>;
}

/** A unique key already exists. */
export class StorageConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StorageConflictError';
  }
}

/**
 * The Storage interface over kysely: one implementation for both databases, so SQLite and
 * PostgreSQL cannot drift apart. Dialect differences stay in sqlite/ and postgres/.
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import { auditRowHash, GENESIS_HASH } from '../audit/audit-chain.js';
import { canonicalJson } from '../audit/canonical-json.js';
import type {
  ApiKeyRow, ApprovalDecision, ApprovalRow, AuditEntryInput, AuditHead, AuditRow, DeploymentRow,
  EvaluationRow, Lineage, ModelRow, ModelVersionRow, Role, SloOverrideRow, TenantQuotas, TenantRow,
} from './rows.js';
import type { Database } from './schema.js';
import type { Stage } from '../lifecycle/stages.js';
import {
  StorageConflictError, type AuditPage, type NewApiKey, type NewApproval, type NewDeployment,
  type NewEvaluation, type NewModelVersion, type NewSloOverride, type NewTenant, type Storage, type StorageDriver,
} from './storage.js';

export interface KyselyStorageOptions {
  readonly driver: StorageDriver;
  /** Milliseconds since the epoch, for created_at and audit times. */
  readonly wallNow: () => number;
  /** Frees the connections (the kysely instance's destroy plus anything the dialect owns). */
  readonly close: () => Promise<void>;
  /**
   * Inserts the hashed audit rows in place of kysely's multi-row INSERTs, on the connection of
   * the transaction appendAudit has open. @default kysely INSERTs of AUDIT_INSERT_CHUNK rows
   */
  readonly insertAuditRows?: AuditRowInserter;
}

/**
 * A driver's faster way to write a batch of audit rows (SQLite: sqlite/audit-row-inserter.ts).
 * Called only inside appendAudit's transaction, after the lock write and the head read; it must
 * write through that transaction's connection, synchronously, and throw to roll the batch back.
 */
export type AuditRowInserter = (rows: readonly AuditRow[]) => void;

/** Unique-key violations of either database, recognised by their driver codes. */
function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

async function conflictAware<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUniqueViolation(error)) throw new StorageConflictError(`${what} already exists`);
    throw error;
  }
}

/**
 * Rows per INSERT (10 parameters each) where the driver has no AuditRowInserter (PostgreSQL).
 * Every statement is compiled anew, and on SQLite, before it had its own inserter, that grew
 * faster than linearly with its size: `bench audit-append` appended ~12k rows/s in chunks of
 * 1,000 and ~18-21k in chunks of 10-25.
 */
const AUDIT_INSERT_CHUNK = 20;

const json = (value: unknown): string => canonicalJson(value);
const parse = <T>(text: string): T => JSON.parse(text) as T;

const toModel = (r: Selectable<Database['models']>): ModelRow => ({ name: r.name, description: r.description, createdBy: r.created_by, createdAt: r.created_at });

const toVersion = (r: Selectable<Database['model_versions']>): ModelVersionRow => ({
  model: r.model,
  version: r.version,
  digest: r.digest,
  manifest: parse(r.manifest),
  contract: parse(r.contract),
  lineage: parse<Lineage>(r.lineage),
  modelCard: r.model_card,
  state: r.state as Stage,
  breaking: Number(r.breaking) === 1,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

const toEvaluation = (r: Selectable<Database['evaluations']>): EvaluationRow => ({
  id: Number(r.id), model: r.model, version: r.version, dataset: r.dataset, metrics: parse(r.metrics), createdBy: r.created_by, createdAt: r.created_at,
});

const toApproval = (r: Selectable<Database['approvals']>): ApprovalRow => ({
  id: Number(r.id), model: r.model, version: r.version, approverKeyId: r.approver_key_id, role: r.role as Role,
  decision: r.decision as ApprovalDecision, comment: r.comment, at: r.at,
});

const toDeployment = (r: Selectable<Database['deployment_history']>): DeploymentRow => ({
  id: Number(r.id), model: r.model, version: r.version, fromState: r.from_state as Stage | null, toState: r.to_state as Stage,
  by: r.by, at: r.at, reason: r.reason,
});

const toApiKey = (r: Selectable<Database['api_keys']>): ApiKeyRow => ({
  id: r.id, prefix: r.prefix, hash: r.hash, name: r.name, roles: parse<Role[]>(r.roles), tenant: r.tenant,
  createdBy: r.created_by, createdAt: r.created_at, revokedAt: r.revoked_at,
});

const toTenant = (r: Selectable<Database['tenants']>): TenantRow => ({
  name: r.name, allowedModels: parse<string[]>(r.allowed_models), quotas: parse<TenantQuotas>(r.quotas), createdAt: r.created_at,
});

const toSloOverride = (r: Selectable<Database['slo_overrides']>): SloOverrideRow => ({
  id: r.id, model: r.model, version: r.version, latencyClass: r.latency_class, objective: parse(r.objective), setBy: r.set_by, setAt: r.set_at,
});

const toAudit = (r: Selectable<Database['audit_log']>): AuditRow => ({
  seq: Number(r.seq), at: r.at, actor: r.actor, action: r.action, target: r.target, before: r.before, after: r.after,
  detail: r.detail, prevHash: r.prev_hash, hash: r.hash,
});

export class KyselyStorage implements Storage {
  readonly driver: StorageDriver;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: KyselyStorageOptions,
  ) {
    this.driver = options.driver;
  }

  private now(): string {
    return new Date(this.options.wallNow()).toISOString();
  }

  async transaction<T>(work: (tx: Storage) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return work(this);
    return this.db.transaction().execute((trx: Transaction<Database>) => work(new KyselyStorage(trx, this.options)));
  }

  async createModel(model: Omit<ModelRow, 'createdAt'>): Promise<ModelRow> {
    const row = { name: model.name, description: model.description, created_by: model.createdBy, created_at: this.now() };
    await conflictAware(`model ${model.name}`, () => this.db.insertInto('models').values(row).execute());
    return toModel(row);
  }

  async getModel(name: string): Promise<ModelRow | undefined> {
    const row = await this.db.selectFrom('models').selectAll().where('name', '=', name).executeTakeFirst();
    return row && toModel(row);
  }

  async listModels(): Promise<ModelRow[]> {
    return (await this.db.selectFrom('models').selectAll().orderBy('name').execute()).map(toModel);
  }

  async createVersion(v: NewModelVersion): Promise<ModelVersionRow> {
    const row = {
      model: v.model, version: v.version, digest: v.digest, manifest: json(v.manifest), contract: json(v.contract), lineage: json(v.lineage),
      model_card: v.modelCard, state: v.state, breaking: v.breaking ? 1 : 0, created_by: v.createdBy, created_at: this.now(),
    };
    await conflictAware(`version ${v.model}/${v.version}`, () => this.db.insertInto('model_versions').values(row).execute());
    return toVersion(row);
  }

  async getVersion(model: string, version: string): Promise<ModelVersionRow | undefined> {
    const row = await this.db.selectFrom('model_versions').selectAll().where('model', '=', model).where('version', '=', version).executeTakeFirst();
    return row && toVersion(row);
  }

  async listVersions(model: string): Promise<ModelVersionRow[]> {
    const rows = await this.db.selectFrom('model_versions').selectAll().where('model', '=', model).orderBy('created_at').orderBy('version').execute();
    return rows.map(toVersion);
  }

  async setVersionState(model: string, version: string, from: Stage, to: Stage): Promise<boolean> {
    const result = await this.db
      .updateTable('model_versions')
      .set({ state: to })
      .where('model', '=', model)
      .where('version', '=', version)
      .where('state', '=', from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async addEvaluation(e: NewEvaluation): Promise<EvaluationRow> {
    const row = await this.db
      .insertInto('evaluations')
      .values({ model: e.model, version: e.version, dataset: e.dataset, metrics: json(e.metrics), created_by: e.createdBy, created_at: this.now() })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toEvaluation(row);
  }

  async listEvaluations(model: string, version: string): Promise<EvaluationRow[]> {
    const rows = await this.db.selectFrom('evaluations').selectAll().where('model', '=', model).where('version', '=', version).orderBy('id').execute();
    return rows.map(toEvaluation);
  }

  async addApproval(a: NewApproval): Promise<ApprovalRow> {
    const row = await this.db
      .insertInto('approvals')
      .values({ model: a.model, version: a.version, approver_key_id: a.approverKeyId, role: a.role, decision: a.decision, comment: a.comment, at: this.now() })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toApproval(row);
  }

  async listApprovals(model: string, version: string): Promise<ApprovalRow[]> {
    const rows = await this.db.selectFrom('approvals').selectAll().where('model', '=', model).where('version', '=', version).orderBy('id').execute();
    return rows.map(toApproval);
  }

  async addDeployment(d: NewDeployment): Promise<DeploymentRow> {
    const row = await this.db
      .insertInto('deployment_history')
      .values({ model: d.model, version: d.version, from_state: d.fromState, to_state: d.toState, by: d.by, at: this.now(), reason: d.reason })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toDeployment(row);
  }

  async listDeployments(model: string): Promise<DeploymentRow[]> {
    return (await this.db.selectFrom('deployment_history').selectAll().where('model', '=', model).orderBy('id').execute()).map(toDeployment);
  }

  async createApiKey(k: NewApiKey): Promise<ApiKeyRow> {
    const row = {
      id: k.id, prefix: k.prefix, hash: k.hash, name: k.name, roles: json(k.roles), tenant: k.tenant, created_by: k.createdBy,
      created_at: this.now(), revoked_at: null,
    };
    await conflictAware(`key ${k.id}`, () => this.db.insertInto('api_keys').values(row).execute());
    return toApiKey(row);
  }

  async getApiKey(id: string): Promise<ApiKeyRow | undefined> {
    const row = await this.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toApiKey(row);
  }

  async listApiKeys(): Promise<ApiKeyRow[]> {
    return (await this.db.selectFrom('api_keys').selectAll().orderBy('created_at').orderBy('id').execute()).map(toApiKey);
  }

  async revokeApiKey(id: string): Promise<ApiKeyRow | undefined> {
    await this.db.updateTable('api_keys').set({ revoked_at: this.now() }).where('id', '=', id).where('revoked_at', 'is', null).execute();
    return this.getApiKey(id);
  }

  async countApiKeys(): Promise<number> {
    const row = await this.db.selectFrom('api_keys').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async putTenant(t: NewTenant): Promise<TenantRow> {
    const row = { name: t.name, allowed_models: json(t.allowedModels), quotas: json(t.quotas), created_at: this.now() };
    await this.db
      .insertInto('tenants')
      .values(row)
      .onConflict((oc) => oc.column('name').doUpdateSet({ allowed_models: row.allowed_models, quotas: row.quotas }))
      .execute();
    return (await this.getTenant(t.name)) ?? toTenant(row);
  }

  async getTenant(name: string): Promise<TenantRow | undefined> {
    const row = await this.db.selectFrom('tenants').selectAll().where('name', '=', name).executeTakeFirst();
    return row && toTenant(row);
  }

  async listTenants(): Promise<TenantRow[]> {
    return (await this.db.selectFrom('tenants').selectAll().orderBy('name').execute()).map(toTenant);
  }

  async putSloOverride(o: NewSloOverride): Promise<SloOverrideRow> {
    const row = { id: o.id, model: o.model, version: o.version, latency_class: o.latencyClass, objective: json(o.objective), set_by: o.setBy, set_at: this.now() };
    await this.db
      .insertInto('slo_overrides')
      .values(row)
      .onConflict((oc) => oc.column('id').doUpdateSet({ objective: row.objective, set_by: row.set_by, set_at: row.set_at }))
      .execute();
    return toSloOverride(row);
  }

  async getSloOverride(id: string): Promise<SloOverrideRow | undefined> {
    const row = await this.db.selectFrom('slo_overrides').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toSloOverride(row);
  }

  async listSloOverrides(): Promise<SloOverrideRow[]> {
    return (await this.db.selectFrom('slo_overrides').selectAll().orderBy('id').execute()).map(toSloOverride);
  }

  async appendAudit(entries: readonly AuditEntryInput[]): Promise<AuditRow[]> {
    if (entries.length === 0) return [];
    return this.transaction(async (tx) => (tx as KyselyStorage).appendInTransaction(entries));
  }

  private async appendInTransaction(entries: readonly AuditEntryInput[]): Promise<AuditRow[]> {
    // A write first: it takes SQLite's write lock before the head is read, and on PostgreSQL the
    // row lock makes a concurrent append wait here until this one commits.
    await this.db.updateTable('audit_lock').set({ id: 1 }).where('id', '=', 1).execute();
    let head = await this.auditHead();
    const rows: AuditRow[] = [];
    for (const entry of entries) {
      const unhashed = {
        seq: head.seq + 1,
        at: entry.at ?? this.now(),
        actor: entry.actor,
        action: entry.action,
        target: entry.target,
        before: entry.before === undefined ? null : json(entry.before),
        after: entry.after === undefined ? null : json(entry.after),
        detail: entry.detailJson ?? (entry.detail === undefined ? null : json(entry.detail)),
        prevHash: head.hash,
      };
      const row: AuditRow = { ...unhashed, hash: auditRowHash(unhashed) };
      rows.push(row);
      head = { seq: row.seq, hash: row.hash };
    }
    if (this.options.insertAuditRows) {
      this.options.insertAuditRows(rows);
      return rows;
    }
    // Chunks keep each statement under the bound-parameter limits (SQLite 32766, PostgreSQL 65535).
    for (let i = 0; i < rows.length; i += AUDIT_INSERT_CHUNK) {
      const values = rows.slice(i, i + AUDIT_INSERT_CHUNK).map((r) => ({
        seq: r.seq, at: r.at, actor: r.actor, action: r.action, target: r.target, before: r.before, after: r.after, detail: r.detail, prev_hash: r.prevHash, hash: r.hash,
      }));
      await this.db.insertInto('audit_log').values(values).execute();
    }
    return rows;
  }

  async listAudit(afterSeq: number, limit: number): Promise<AuditPage> {
    const rows = (await this.db.selectFrom('audit_log').selectAll().where('seq', '>', afterSeq).orderBy('seq').limit(limit + 1).execute()).map(toAudit);
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    return { rows: page, nextAfterSeq: more ? (page[page.length - 1]?.seq ?? null) : null };
  }

  async auditHead(): Promise<AuditHead> {
    const row = await this.db.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
    return row ? { seq: Number(row.seq), hash: row.hash } : { seq: 0, hash: GENESIS_HASH };
  }

  async close(): Promise<void> {
    await this.options.close();
  }
}

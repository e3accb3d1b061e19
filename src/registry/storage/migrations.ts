/**
 * Schema migrations shared by SQLite and PostgreSQL. Append new migrations; never edit one that
 * has shipped. Only the auto-increment id type differs between the two.
 */
import { Migrator, sql, type Kysely, type Migration } from 'kysely';
import type { StorageDriver } from './storage.js';

function governanceTables(driver: StorageDriver): Migration {
  const idType = driver === 'postgres' ? 'bigserial' : 'integer';
  return {
    async up(db: Kysely<unknown>) {
      const id = (t: string) => db.schema.createTable(t).addColumn('id', sql.raw(idType), (c) => (driver === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()));
      await db.schema
        .createTable('models')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('model_versions')
        .addColumn('model', 'text', (c) => c.notNull().references('models.name'))
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('manifest', 'text', (c) => c.notNull())
        .addColumn('contract', 'text', (c) => c.notNull())
        .addColumn('lineage', 'text', (c) => c.notNull())
        .addColumn('model_card', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('breaking', 'integer', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('model_versions_pk', ['model', 'version'])
        .execute();
      await id('evaluations')
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('dataset', 'text', (c) => c.notNull())
        .addColumn('metrics', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addForeignKeyConstraint('evaluations_version_fk', ['model', 'version'], 'model_versions', ['model', 'version'])
        .execute();
      await id('approvals')
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('approver_key_id', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('decision', 'text', (c) => c.notNull())
        .addColumn('comment', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addForeignKeyConstraint('approvals_version_fk', ['model', 'version'], 'model_versions', ['model', 'version'])
        .execute();
      await id('deployment_history')
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('from_state', 'text')
        .addColumn('to_state', 'text', (c) => c.notNull())
        .addColumn('by', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addForeignKeyConstraint('deployment_version_fk', ['model', 'version'], 'model_versions', ['model', 'version'])
        .execute();
      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('roles', 'text', (c) => c.notNull())
        .addColumn('tenant', 'text')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema
        .createTable('tenants')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('allowed_models', 'text', (c) => c.notNull())
        .addColumn('quotas', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('audit_log')
        .addColumn('seq', 'bigint', (c) => c.primaryKey())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('before', 'text')
        .addColumn('after', 'text')
        .addColumn('detail', 'text')
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createTable('audit_lock').addColumn('id', 'integer', (c) => c.primaryKey()).execute();
      await sql`insert into audit_lock (id) values (1)`.execute(db);
      await db.schema.createIndex('deployment_history_model').on('deployment_history').columns(['model', 'id']).execute();
      await db.schema.createIndex('evaluations_version').on('evaluations').columns(['model', 'version']).execute();
      await db.schema.createIndex('approvals_version').on('approvals').columns(['model', 'version']).execute();
    },
  };
}

/** SLOs set through the admin API, so they outlive the process (issue 16 #7). */
const sloOverrides: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('slo_overrides')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('latency_class', 'text', (c) => c.notNull())
      .addColumn('objective', 'text', (c) => c.notNull())
      .addColumn('set_by', 'text', (c) => c.notNull())
      .addColumn('set_at', 'text', (c) => c.notNull())
      .execute();
  },
};

/** Brings the schema up to date; safe to call on every start and from several processes. */
export async function migrateToLatest(db: Kysely<unknown>, driver: StorageDriver): Promise<void> {
  const migrations: Record<string, Migration> = { '0001_governance': governanceTables(driver), '0002_slo_overrides': sloOverrides };
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error } = await migrator.migrateToLatest();
  if (error instanceof Error) throw error;
  if (error !== undefined) throw new Error(`migration failed: ${JSON.stringify(error)}`);
}

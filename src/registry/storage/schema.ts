/** Table shapes as stored (snake_case, JSON as text, booleans as 0/1) for kysely's typed queries. */
import type { Generated } from 'kysely';

export interface Database {
  models: { name: string; description: string; created_by: string; created_at: string };
  model_versions: {
    model: string;
    version: string;
    digest: string;
    manifest: string;
    contract: string;
    lineage: string;
    model_card: string;
    state: string;
    breaking: number;
    created_by: string;
    created_at: string;
  };
  evaluations: { id: Generated<number>; model: string; version: string; dataset: string; metrics: string; created_by: string; created_at: string };
  approvals: { id: Generated<number>; model: string; version: string; approver_key_id: string; role: string; decision: string; comment: string; at: string };
  deployment_history: { id: Generated<number>; model: string; version: string; from_state: string | null; to_state: string; by: string; at: string; reason: string };
  api_keys: {
    id: string;
    prefix: string;
    hash: string;
    name: string;
    roles: string;
    tenant: string | null;
    created_by: string;
    created_at: string;
    revoked_at: string | null;
  };
  tenants: { name: string; allowed_models: string; quotas: string; created_at: string };
  slo_overrides: { id: string; model: string; version: string; latency_class: string; objective: string; set_by: string; set_at: string };
  audit_log: {
    seq: number;
    at: string;
    actor: string;
    action: string;
    target: string;
    before: string | null;
    after: string | null;
    detail: string | null;
    prev_hash: string;
    hash: string;
  };
  /** One row; every audit append updates it first, which serialises appends across processes. */
  audit_lock: { id: number };
}

/**
 * The governance records as callers see them: camelCase, JSON already parsed, times as ISO-8601
 * strings. Both storage implementations return exactly these shapes.
 */
import type { Stage } from '../lifecycle/stages.js';

/** Roles an API key can hold; a route lists the roles it admits. */
export const ROLES = ['admin', 'operator', 'approver', 'deployer', 'invoker', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

export interface ModelRow {
  readonly name: string;
  readonly description: string;
  readonly createdBy: string;
  readonly createdAt: string;
}

/** Where a version came from. Every field is optional: lineage is recorded as far as it is known. */
export interface Lineage {
  readonly trainingDataDigest?: string;
  readonly trainingDataLocation?: string;
  readonly parentVersion?: string;
  readonly codeRevision?: string;
  readonly hyperparameters?: { readonly [key: string]: Json };
}

export interface ModelVersionRow {
  readonly model: string;
  readonly version: string;
  /** `sha256:<hex>` over the artifact manifest. */
  readonly digest: string;
  readonly manifest: Json;
  readonly contract: Json;
  readonly lineage: Lineage;
  readonly modelCard: string;
  readonly state: Stage;
  /** Declared breaking change against the version it replaces. */
  readonly breaking: boolean;
  readonly createdBy: string;
  readonly createdAt: string;
}

export interface EvaluationRow {
  readonly id: number;
  readonly model: string;
  readonly version: string;
  readonly dataset: string;
  readonly metrics: { readonly [metric: string]: number };
  readonly createdBy: string;
  readonly createdAt: string;
}

export type ApprovalDecision = 'approve' | 'reject';

export interface ApprovalRow {
  readonly id: number;
  readonly model: string;
  readonly version: string;
  readonly approverKeyId: string;
  readonly role: Role;
  readonly decision: ApprovalDecision;
  readonly comment: string;
  readonly at: string;
}

export interface DeploymentRow {
  readonly id: number;
  readonly model: string;
  readonly version: string;
  readonly fromState: Stage | null;
  readonly toState: Stage;
  readonly by: string;
  readonly at: string;
  readonly reason: string;
}

export interface ApiKeyRow {
  /** Public id; the key's text is `sy_<id>_<secret>`. */
  readonly id: string;
  /** The first characters of the key, safe to show (`sy_<id>`). */
  readonly prefix: string;
  /** Hex SHA-256 of the whole key text; the key itself is never stored. */
  readonly hash: string;
  readonly name: string;
  readonly roles: readonly Role[];
  /** Tenant the key acts for; null = no tenant restriction. */
  readonly tenant: string | null;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

export interface TenantQuotas {
  /** Inference requests per second allowed to the tenant (enforced per gateway: gateway/auth/tenant-quota.ts). */
  readonly requestsPerSecond?: number;
  /** Requests of the tenant that may wait at once. */
  readonly maxConcurrent?: number;
}

export interface TenantRow {
  readonly name: string;
  /** Model names the tenant may invoke; `*` = all. */
  readonly allowedModels: readonly string[];
  readonly quotas: TenantQuotas;
  readonly createdAt: string;
}

/**
 * An SLO set through the admin API (`PUT`/`POST /v1/slos`): stored so it survives a restart,
 * where it is applied over the model.yaml SLO of the same id.
 */
export interface SloOverrideRow {
  /** `model:version:latency_class`. */
  readonly id: string;
  readonly model: string;
  readonly version: string;
  readonly latencyClass: string;
  /** The SLO object as sent, snake_case (telemetry/slo/objective.ts RawSlo), with its latency_class. */
  readonly objective: { readonly [key: string]: Json };
  /** Key id of who set it last. */
  readonly setBy: string;
  readonly setAt: string;
}

/** What a caller asks to append; the store adds seq, time and the chain hashes. */
export interface AuditEntryInput {
  /** API key id, `anonymous` or `system`. */
  readonly actor: string;
  /** e.g. `key.create`, `model.promote`, `inferences`. */
  readonly action: string;
  /** What was acted on, e.g. `key/abc`, `model/iris/2`. */
  readonly target: string;
  readonly before?: Json;
  readonly after?: Json;
  /** Extra facts; for `inferences`: model, version, digest, count, firstAt, lastAt and a tuple per inference (docs/security.md). */
  readonly detail?: Json;
  /**
   * `detail` already written in the log's canonical form (keys sorted at every depth; see
   * canonical-json.ts), stored and hashed as it is; instead of `detail`. For large details built
   * in a known key order (the grouped inferences): one JSON.stringify where they are built, instead
   * of a structured clone to the appender thread and a canonical walk there.
   */
  readonly detailJson?: string;
  /** ISO time; defaults to the store's clock. */
  readonly at?: string;
}

export interface AuditRow {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  /** Canonical JSON text as stored (null when absent): hashed byte for byte. */
  readonly before: string | null;
  readonly after: string | null;
  readonly detail: string | null;
  readonly prevHash: string;
  readonly hash: string;
}

/** The chain's last row: exported, it later proves nothing was cut off the end. */
export interface AuditHead {
  readonly seq: number;
  readonly hash: string;
}

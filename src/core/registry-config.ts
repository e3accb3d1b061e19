/**
 * The `registry` section of the server configuration: ingest limits and URL sources, manifest
 * signatures, and approval gates (global, with per-model overrides). Validated with the rest
 * of the config; compiled here into camelCase with defaults and parsed keys.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';

const GATES = {
  type: 'object',
  additionalProperties: false,
  properties: {
    approvals: {
      type: 'array',
      maxItems: 16,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['role', 'count'],
        properties: { role: { enum: ['admin', 'operator', 'approver', 'deployer', 'invoker', 'viewer'] }, count: { type: 'integer', minimum: 0, maximum: 100 } },
      },
    },
    thresholds: {
      type: 'array',
      maxItems: 64,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['metric', 'dataset', 'op', 'value'],
        properties: { metric: { type: 'string', minLength: 1, maxLength: 128 }, dataset: { type: 'string', minLength: 1, maxLength: 256 }, op: { enum: ['>=', '<=', '>', '<'] }, value: { type: 'number' } },
      },
    },
  },
} as const;

export const REGISTRY_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ingest: {
      type: 'object',
      additionalProperties: false,
      properties: {
        max_total_bytes: { type: 'integer', minimum: 1, maximum: 2147483647 },
        max_entry_bytes: { type: 'integer', minimum: 1, maximum: 2147483647 },
        max_entries: { type: 'integer', minimum: 1, maximum: 100000 },
        // Why the floor: below 10, a tar of small text files (mostly header padding) would be refused.
        max_inflate_ratio: { type: 'integer', minimum: 10, maximum: 100000 },
        max_concurrent_uploads: { type: 'integer', minimum: 1, maximum: 1000 },
        url_allow_list: { type: 'array', maxItems: 256, items: { type: 'string', minLength: 1 } },
        allow_http: { type: 'boolean' },
        fetch_timeout_ms: { type: 'integer', minimum: 100, maximum: 3600000 },
      },
    },
    signatures: {
      type: 'object',
      additionalProperties: false,
      properties: {
        required: { type: 'boolean' },
        trusted_keys: { type: 'object', additionalProperties: { type: 'string', minLength: 1 } },
      },
    },
    gates: GATES,
    model_gates: { type: 'object', additionalProperties: GATES },
  },
} as const;

export interface GateSettings {
  readonly approvals: readonly { readonly role: string; readonly count: number }[];
  readonly thresholds: readonly { readonly metric: string; readonly dataset: string; readonly op: '>=' | '<=' | '>' | '<'; readonly value: number }[];
}

export interface RegistrySettings {
  readonly ingest: {
    /** @default 2 GiB - 1 */
    readonly maxTotalBytes: number;
    /** @default 2 GiB - 1 */
    readonly maxEntryBytes: number;
    /** @default 1024 */
    readonly maxEntries: number;
    /** A gzip archive inflates to at most this many times its size (floor 1 MiB). @default 100 */
    readonly maxInflateRatio: number;
    /** Pushes received and ingested at once; more are refused 503 UPLOADS_BUSY. @default 2 */
    readonly maxConcurrentUploads: number;
    /** @default [] (no URL sources) */
    readonly urlAllowList: readonly string[];
    /** @default false (https only) */
    readonly allowHttp: boolean;
    /** @default 30000 */
    readonly fetchTimeoutMs: number;
  };
  readonly signatures: {
    /** @default false */
    readonly required: boolean;
    /** Key id → ed25519 public key. @default {} */
    readonly trustedKeys: ReadonlyMap<string, KeyObject>;
  };
  /** @default { approvals: [{ role: approver, count: 1 }], thresholds: [] } */
  readonly gates: GateSettings;
  /** Per-model gates that replace `gates` for that model. @default {} */
  readonly modelGates: ReadonlyMap<string, GateSettings>;
}

interface RawGates { approvals?: { role: string; count: number }[]; thresholds?: GateSettings['thresholds'][number][] }
interface RawRegistry {
  ingest?: { max_total_bytes?: number; max_entry_bytes?: number; max_entries?: number; max_inflate_ratio?: number; max_concurrent_uploads?: number; url_allow_list?: string[]; allow_http?: boolean; fetch_timeout_ms?: number };
  signatures?: { required?: boolean; trusted_keys?: Record<string, string> };
  gates?: RawGates;
  model_gates?: Record<string, RawGates>;
}

const MAX_ARTIFACT = 2 * 1024 * 1024 * 1024 - 1;
const DEFAULT_GATES: GateSettings = Object.freeze({ approvals: [{ role: 'approver', count: 1 }], thresholds: [] });

function gates(raw: RawGates | undefined): GateSettings {
  return Object.freeze({ approvals: raw?.approvals ?? DEFAULT_GATES.approvals, thresholds: raw?.thresholds ?? [] });
}

/** Compiles an already schema-valid section; returns problems for what a schema cannot check. */
export function compileRegistrySettings(value: unknown, problems: string[]): RegistrySettings {
  const raw = (value ?? {}) as RawRegistry;
  const allowHttp = raw.ingest?.allow_http ?? false;
  const allowList = raw.ingest?.url_allow_list ?? [];
  for (const entry of allowList) {
    let url: URL | undefined;
    try {
      url = new URL(entry);
    } catch {
      problems.push(`registry.ingest.url_allow_list: '${entry}' is not an absolute URL`);
      continue;
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowHttp)) problems.push(`registry.ingest.url_allow_list: '${entry}' must be https (or set registry.ingest.allow_http)`);
    if (url.username || url.password || url.search || url.hash) problems.push(`registry.ingest.url_allow_list: '${entry}' must be a plain prefix (no credentials, query or fragment)`);
  }
  const trustedKeys = new Map<string, KeyObject>();
  for (const [id, pem] of Object.entries(raw.signatures?.trusted_keys ?? {})) {
    try {
      const key = createPublicKey(pem);
      if (key.asymmetricKeyType !== 'ed25519') problems.push(`registry.signatures.trusted_keys.${id}: an ${key.asymmetricKeyType ?? 'unknown'} key; only ed25519 public keys are accepted`);
      else trustedKeys.set(id, key);
    } catch {
      problems.push(`registry.signatures.trusted_keys.${id}: not a PEM public key`);
    }
  }
  const required = raw.signatures?.required ?? false;
  if (required && trustedKeys.size === 0) problems.push('registry.signatures.required is true but registry.signatures.trusted_keys is empty: nothing could ever be pushed');
  return Object.freeze({
    ingest: Object.freeze({
      maxTotalBytes: raw.ingest?.max_total_bytes ?? MAX_ARTIFACT,
      maxEntryBytes: raw.ingest?.max_entry_bytes ?? MAX_ARTIFACT,
      maxEntries: raw.ingest?.max_entries ?? 1024,
      maxInflateRatio: raw.ingest?.max_inflate_ratio ?? 100,
      maxConcurrentUploads: raw.ingest?.max_concurrent_uploads ?? 2,
      urlAllowList: Object.freeze([...allowList]),
      allowHttp,
      fetchTimeoutMs: raw.ingest?.fetch_timeout_ms ?? 30000,
    }),
    signatures: Object.freeze({ required, trustedKeys }),
    gates: gates(raw.gates),
    modelGates: new Map(Object.entries(raw.model_gates ?? {}).map(([name, g]) => [name, gates(g)])),
  });
}

export const DEFAULT_REGISTRY_SETTINGS: RegistrySettings = compileRegistrySettings({}, []);

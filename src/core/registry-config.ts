/**
 * The `registry` section of the server configuration: ingest limits and URL sources, manifest
 * signatures, and approval gates (global, with per-model overrides). Validated with the rest
 * of the config; compiled here into camelCase with defaults and parsed keys.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { boolean, compileSection, custom, duration, integer, sectionSchema, section } from './config-keys.js';

const MAX_ARTIFACT = 2 * 1024 * 1024 * 1024 - 1;

/** `registry.ingest`, declared once like the keys in config.ts (the rest of the section is structured). */
export const REGISTRY_INGEST = section({
  max_total_bytes: integer({ min: 1, max: MAX_ARTIFACT, default: MAX_ARTIFACT, doc: 'All files of one artifact, after decompression.' }),
  max_entry_bytes: integer({ min: 1, max: MAX_ARTIFACT, default: MAX_ARTIFACT, doc: 'One file of an artifact.' }),
  max_entries: integer({ min: 1, max: 100000, default: 1024, doc: 'Archive entries, folders included.' }),
  // Why the floor: below 10, a tar of small text files (mostly header padding) would be refused.
  max_inflate_ratio: integer({ min: 10, max: 100000, default: 100, doc: 'A gzip archive inflates to at most this many times its size (floor 1 MiB).' }),
  max_concurrent_uploads: integer({ min: 1, max: 1000, default: 2, doc: 'Pushes received and ingested at once; more are refused 503 UPLOADS_BUSY.' }),
  url_allow_list: custom({
    docDefault: '[]',
    doc: 'URL prefixes artifacts may be fetched from (none by default).',
    schema: { type: 'array', maxItems: 256, items: { type: 'string', minLength: 1 } },
    compile: (value): readonly string[] => Object.freeze(Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : []),
  }),
  allow_http: boolean({ default: false, doc: 'Accept http: prefixes and sources (https only by default).' }),
  fetch_timeout_ms: duration({ min: 100, max: 3600000, default: 30000, doc: 'Timeout of one URL fetch.' }),
});

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
    ingest: sectionSchema(REGISTRY_INGEST),
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
  ingest?: unknown;
  signatures?: { required?: boolean; trusted_keys?: Record<string, string> };
  gates?: RawGates;
  model_gates?: Record<string, RawGates>;
}

const DEFAULT_GATES: GateSettings = Object.freeze({ approvals: [{ role: 'approver', count: 1 }], thresholds: [] });

function gates(raw: RawGates | undefined): GateSettings {
  return Object.freeze({ approvals: raw?.approvals ?? DEFAULT_GATES.approvals, thresholds: raw?.thresholds ?? [] });
}

/** Compiles an already schema-valid section; returns problems for what a schema cannot check. */
export function compileRegistrySettings(value: unknown, problems: string[]): RegistrySettings {
  const raw = (value ?? {}) as RawRegistry;
  const ingest = compileSection(REGISTRY_INGEST, raw.ingest, 'registry.ingest.', { cwd: '', problems, sourceOf: () => 'config' });
  const allowHttp = ingest.allowHttp;
  const allowList = ingest.urlAllowList;
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
    ingest,
    signatures: Object.freeze({ required, trustedKeys }),
    gates: gates(raw.gates),
    modelGates: new Map(Object.entries(raw.model_gates ?? {}).map(([name, g]) => [name, gates(g)])),
  });
}

export const DEFAULT_REGISTRY_SETTINGS: RegistrySettings = compileRegistrySettings({}, []);

/**
 * Server configuration in stages: raw values from defaults, a file, the environment and flags
 * (each remembering where it came from) -> validated once against one schema -> compiled
 * (absolute paths, camelCase) -> frozen. A bad value names its key, its source and what is
 * allowed.
 */
import { isAbsolute, resolve } from 'node:path';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { compileRegistrySettings, REGISTRY_CONFIG_SCHEMA, type RegistrySettings } from './registry-config.js';

export type ExecutionProvider = 'cpu' | 'cuda';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface OnnxSettings {
  /** @default 'cpu' */
  readonly executionProvider: ExecutionProvider;
  /** Threads ONNX Runtime uses inside one operator. @default 1 (one per instance leaves a core for HTTP on small machines) */
  readonly intraOpThreads: number;
  /** Worker threads (each with its own session) per model version. @default 1 */
  readonly instances: number;
  /**
   * Batches predicted to compute in less than this run on the event-loop thread, where a
   * thread hop (about 0.13 ms here) would cost more than the inference; 0 = always a worker.
   * @default 0.2
   */
  readonly inlineBelowMs: number;
}

export interface ServerConfig {
  /** @default '127.0.0.1' (never exposed to the network unless asked) */
  readonly host: string;
  /** @default 8080 */
  readonly port: number;
  /** Absolute path of the model repository. @default <cwd>/models */
  readonly modelRepository: string;
  /** Absolute path of the data folder. @default <cwd>/.switchyard */
  readonly dataDir: string;
  /** @default 8 MiB */
  readonly bodyLimitBytes: number;
  /** Largest element count of one input tensor. @default 16,777,216 */
  readonly maxTensorElements: number;
  /** Requests that may wait for one model version before new ones get 503 OVERLOADED. @default 1024 */
  readonly maxQueuePerModel: number;
  /** @default 'info' */
  readonly logLevel: LogLevel;
  readonly onnx: OnnxSettings;
  /** Model registry: ingest, signatures, approval gates (see registry-config.ts). */
  readonly registry: RegistrySettings;
  readonly storage: StorageSettings;
  readonly auth: AuthSettings;
  readonly audit: AuditSettings;
}

export interface StorageSettings {
  /** @default 'sqlite' (a file in dataDir) */
  readonly driver: 'sqlite' | 'postgres';
  /** Required when driver is postgres. @default '' */
  readonly postgresUrl: string;
}

/** When /v2 inference may run without an API key. */
export type AnonymousInference = 'loopback' | 'allow' | 'deny';

export interface AuthSettings {
  /** @default 'loopback' (only while the server binds a loopback address) */
  readonly anonymousInference: AnonymousInference;
}

export interface AuditSettings {
  /** Inference summaries are buffered and written together at most this often. @default 200 */
  readonly flushIntervalMs: number;
  /** ... or as soon as this many are buffered. @default 500 */
  readonly flushMaxRows: number;
}

/** The ONNX session settings a server sets for all models and a model.yaml may override. */
export const ONNX_SESSION_PROPERTIES = {
  execution_provider: { enum: ['cpu', 'cuda'] },
  intra_op_threads: { type: 'integer', minimum: 1, maximum: 256 },
} as const;

/** Keys as written in a config file (snake_case, nested under `onnx`). */
export const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    host: { type: 'string', minLength: 1 },
    port: { type: 'integer', minimum: 0, maximum: 65535 },
    model_repository: { type: 'string', minLength: 1 },
    data_dir: { type: 'string', minLength: 1 },
    body_limit_bytes: { type: 'integer', minimum: 1024, maximum: 1073741824 },
    max_tensor_elements: { type: 'integer', minimum: 1, maximum: 268435456 },
    max_queue_per_model: { type: 'integer', minimum: 1, maximum: 1000000 },
    log_level: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
    onnx: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ...ONNX_SESSION_PROPERTIES,
        instances: { type: 'integer', minimum: 1, maximum: 64 },
        // Why the cap: past a millisecond inline inference would visibly stall other requests.
        inline_below_ms: { type: 'number', minimum: 0, maximum: 1 },
      },
    },
    registry: REGISTRY_CONFIG_SCHEMA,
    storage: {
      type: 'object',
      additionalProperties: false,
      properties: {
        driver: { enum: ['sqlite', 'postgres'] },
        postgres_url: { type: 'string', pattern: '^(|postgres(ql)?://.+)$' },
      },
    },
    auth: {
      type: 'object',
      additionalProperties: false,
      properties: { anonymous_inference: { enum: ['loopback', 'allow', 'deny'] } },
    },
    audit: {
      type: 'object',
      additionalProperties: false,
      properties: {
        flush_interval_ms: { type: 'integer', minimum: 1, maximum: 60000 },
        flush_max_rows: { type: 'integer', minimum: 1, maximum: 100000 },
      },
    },
  },
} as const;

/** Keys of the file that hold a nested section of settings. */
const SECTIONS = new Set(['onnx', 'storage', 'auth', 'audit']);

export const CONFIG_DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  model_repository: 'models',
  data_dir: '.switchyard',
  body_limit_bytes: 8 * 1024 * 1024,
  max_tensor_elements: 16 * 1024 * 1024,
  max_queue_per_model: 1024,
  log_level: 'info',
  'onnx.execution_provider': 'cpu',
  'onnx.intra_op_threads': 1,
  'onnx.instances': 1,
  'onnx.inline_below_ms': 0.2,
  'storage.driver': 'sqlite',
  'storage.postgres_url': '',
  'auth.anonymous_inference': 'loopback',
  'audit.flush_interval_ms': 200,
  'audit.flush_max_rows': 500,
} as const satisfies Record<string, string | number>;

/** A dotted key (`port`, `onnx.instances`) with its raw value and where it came from. */
export interface RawSetting {
  readonly value: unknown;
  readonly source: string;
}
export type RawConfig = Map<string, RawSetting>;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const NUMERIC_KEYS = new Set(
  Object.entries(CONFIG_DEFAULTS).filter(([, v]) => typeof v === 'number').map(([k]) => k),
);

/** Environment variables and flags arrive as strings; numbers among them become numbers. */
function coerce(key: string, value: unknown): unknown {
  if (NUMERIC_KEYS.has(key) && typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value.trim());
  return value;
}

function nest(raw: RawConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, { value }] of raw) {
    const parts = key.split('.');
    let target = out;
    for (const part of parts.slice(0, -1)) {
      const next = target[part];
      if (typeof next !== 'object' || next === null) target[part] = {};
      target = target[part] as Record<string, unknown>;
    }
    target[parts[parts.length - 1] ?? key] = coerce(key, value);
  }
  return out;
}

const ajv = new Ajv2020({ allErrors: true, strict: true });
const validate = ajv.compile(CONFIG_SCHEMA);

function describeProblem(error: ErrorObject, raw: RawConfig): string {
  const path = error.instancePath.replace(/^\//, '').replaceAll('/', '.');
  if (error.keyword === 'additionalProperties') {
    const extra = String((error.params as { additionalProperty: string }).additionalProperty);
    const key = path ? `${path}.${extra}` : extra;
    const section = (CONFIG_SCHEMA.properties as Record<string, { properties?: object }>)[path];
    const allowed = Object.keys(section?.properties ?? CONFIG_SCHEMA.properties).join(', ');
    return `${key} (from ${raw.get(key)?.source ?? 'config'}): unknown key; allowed keys here: ${allowed}`;
  }
  const setting = raw.get(path);
  const got = setting === undefined ? '' : `, got ${JSON.stringify(setting.value)}`;
  const source = setting ? ` (from ${setting.source})` : '';
  if (error.keyword === 'enum') {
    const allowed = (error.params as { allowedValues: unknown[] }).allowedValues.join(' | ');
    return `${path}${source}: must be one of ${allowed}${got}`;
  }
  return `${path || 'config'}${source}: ${error.message ?? 'is invalid'}${got}`;
}

/** Validates and compiles; throws ConfigError listing every problem at once. */
export function compileConfig(raw: RawConfig, cwd: string): ServerConfig {
  const merged: RawConfig = new Map(
    Object.entries(CONFIG_DEFAULTS).map(([key, value]) => [key, { value, source: 'default' }]),
  );
  for (const [key, setting] of raw) merged.set(key, setting);
  const file = nest(merged);
  if (!validate(file)) throw new ConfigError((validate.errors ?? []).map((e) => describeProblem(e, merged)));
  const onnx = (file.onnx ?? {}) as Record<string, unknown>;
  const registryProblems: string[] = [];
  const registry = compileRegistrySettings(file.registry, registryProblems);
  if (registryProblems.length > 0) throw new ConfigError(registryProblems);
  const storage = (file.storage ?? {}) as Record<string, unknown>;
  const auth = (file.auth ?? {}) as Record<string, unknown>;
  const audit = (file.audit ?? {}) as Record<string, unknown>;
  if (storage.driver === 'postgres' && !storage.postgres_url) {
    throw new ConfigError([`storage.postgres_url (from ${merged.get('storage.postgres_url')?.source ?? 'default'}): required when storage.driver is postgres`]);
  }
  const absolute = (p: string): string => (isAbsolute(p) ? p : resolve(cwd, p));
  return Object.freeze({
    host: file.host as string,
    port: file.port as number,
    modelRepository: absolute(file.model_repository as string),
    dataDir: absolute(file.data_dir as string),
    bodyLimitBytes: file.body_limit_bytes as number,
    maxTensorElements: file.max_tensor_elements as number,
    maxQueuePerModel: file.max_queue_per_model as number,
    logLevel: file.log_level as LogLevel,
    onnx: Object.freeze({
      executionProvider: onnx.execution_provider as ExecutionProvider,
      intraOpThreads: onnx.intra_op_threads as number,
      instances: onnx.instances as number,
      inlineBelowMs: onnx.inline_below_ms as number,
    }),
    registry,
    storage: Object.freeze({ driver: storage.driver as StorageSettings['driver'], postgresUrl: storage.postgres_url as string }),
    auth: Object.freeze({ anonymousInference: auth.anonymous_inference as AnonymousInference }),
    audit: Object.freeze({ flushIntervalMs: audit.flush_interval_ms as number, flushMaxRows: audit.flush_max_rows as number }),
  });
}

/** Flattens a parsed config file into dotted keys, keeping unknown keys so validation names them. */
export function flattenConfigFile(content: unknown, source: string): RawConfig {
  const raw: RawConfig = new Map();
  if (typeof content !== 'object' || content === null || Array.isArray(content)) {
    throw new ConfigError([`${source}: must be a mapping of keys to values`]);
  }
  for (const [key, value] of Object.entries(content)) {
    if (SECTIONS.has(key) && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      for (const [inner, innerValue] of Object.entries(value as Record<string, unknown>)) raw.set(`${key}.${inner}`, { value: innerValue, source });
    } else {
      raw.set(key, { value, source });
    }
  }
  return raw;
}

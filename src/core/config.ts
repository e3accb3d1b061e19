/**
 * Server configuration in stages: raw values from defaults, a file, the environment and flags
 * (each remembering where it came from) -> validated once against one schema -> compiled
 * (absolute paths, camelCase) -> frozen. A bad value names its key, its source and what is
 * allowed.
 */
import { isAbsolute, resolve } from 'node:path';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { TIERS, type Tier } from './tiers.js';
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
   * thread hop would cost more than the inference (docs/hot-path.md has the measure); 0 = always a worker.
   * @default 0.2
   */
  readonly inlineBelowMs: number;
  /**
   * The nice value of each ONNX worker thread (Linux, where a thread has its own): model compute
   * yields the CPU to the event loop, so admission, refusals and answers stay prompt when the
   * machine's cores are all busy; idle cores are still used in full. 0 = the process's own.
   * @default 10
   */
  readonly workerNice: number;
}

export interface SloSettings {
  /** How often the control loop evaluates every SLO. @default 10000 */
  readonly evaluateIntervalMs: number;
  /** Where SLO alerts are POSTed when an SLO names no webhook of its own. @default none */
  readonly webhookUrl: string | undefined;
  /** Retries of a failed alert, with exponential backoff. @default 4 */
  readonly webhookRetries: number;
  /** Wait before the first retry, doubled each time. @default 250 */
  readonly webhookBackoffMs: number;
  /** Per-attempt timeout. @default 5000 */
  readonly webhookTimeoutMs: number;
}

export interface TracingSettings {
  /** Off by default: no OpenTelemetry object exists on the request path when off. @default false */
  readonly enabled: boolean;
  /** OTLP/HTTP traces endpoint. @default 'http://127.0.0.1:4318/v1/traces' */
  readonly endpoint: string;
  /** Extra HTTP headers for the exporter (e.g. an API key). @default {} */
  readonly headers: Readonly<Record<string, string>>;
  /** Share of new traces sampled (a caller's sampled flag is followed). @default 1 */
  readonly samplingRatio: number;
  /** @default 'switchyard' */
  readonly serviceName: string;
}

/** A device this machine does not have, declared for tests and planning: served by the `sim` backend, always labelled simulated. */
export interface DeclaredDevice {
  /** Hardware class id in the catalog (price, memory and default tier come from it). */
  readonly class: string;
  readonly count: number;
  /** @default the class's default tier, else onprem */
  readonly tier: Tier | undefined;
  /** The node the devices are reported on. @default 'declared' */
  readonly node: string;
  /** @default the catalog's price for the class */
  readonly costPerHour: number | undefined;
  /** The class's name in the models' sim profiles. @default the class id, then gpu-<class id> */
  readonly profileClass: string | undefined;
}

/** Which tiers a request's data may go to, by tenant and by model (the stricter wins). */
export interface ResidencySettings {
  /** Named tier lists; `onprem-only` ([edge, onprem]) and `any` are built in. */
  readonly policies: Readonly<Record<string, readonly Tier[]>>;
  /** Tenant (x-switchyard-tenant) -> policy name. */
  readonly tenants: Readonly<Record<string, string>>;
  /** Model name -> policy name, for every request to that model. */
  readonly models: Readonly<Record<string, string>>;
  /** The policy of requests without a tenant or with an unlisted one. @default 'any' */
  readonly defaultPolicy: string;
}

/** Cluster mode: agents join this server and host replicas (docs/cluster.md). */
export interface ClusterSettings {
  /** Shared secret agents present to join; cluster mode is off without one. */
  readonly token: string | undefined;
  /** How often agents heartbeat; a node is suspect after 1.5 intervals, dead after 3. @default 2000 */
  readonly heartbeatMs: number;
  /** Whether this server also runs replicas in its own process (`switchyard gateway` turns it off). @default true */
  readonly localReplicas: boolean;
  /** Replicas per deployment when model.yaml's `placement.replicas` is absent. @default 1 */
  readonly defaultReplicas: number;
  /** Anti-affinity: at most this many replicas of one deployment per node. @default 1 */
  readonly maxReplicasPerNode: number;
  /** Consecutive failed batches that eject a replica. @default 5 */
  readonly ejectionConsecutiveErrors: number;
  /** First ejection lasts this long; each further one adds as much, up to the max. @default 30000 */
  readonly ejectionBaseMs: number;
  /** @default 300000 */
  readonly ejectionMaxMs: number;
  /** Retries may be at most this share of requests over the window... @default 0.2 */
  readonly retryBudgetRatio: number;
  /** ...or this many, whichever is more. @default 10 */
  readonly retryBudgetMin: number;
  /** @default 10000 */
  readonly retryWindowMs: number;
  /** A batch on a remote node that has not answered after this long counts as lost. @default 30000 */
  readonly batchTimeoutMs: number;
}

/** How long a client may take to send a request, and to keep an idle connection (docs/security.md). */
export interface HttpTimeouts {
  /** The request line and headers must arrive within this. @default 10000 */
  readonly headersTimeoutMs: number;
  /** Headers and body of any request but a registry push. @default 30000 */
  readonly requestTimeoutMs: number;
  /** Headers and body of a registry push (artifacts are large). @default 600000 */
  readonly uploadTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. @default 5000 */
  readonly keepAliveTimeoutMs: number;
}

export interface CircuitConfig {
  /** Consecutive failures (5xx, timeouts) that open a deployment's circuit. @default 5 */
  readonly failureThreshold: number;
  /** How long an open circuit refuses calls before one probe. @default 10000 (10 s) */
  readonly openMs: number;
}

export interface DriftConfig {
  /** Every k-th request is sampled for drift. @default 4 */
  readonly sampleEvery: number;
  /** Rolling window of samples compared with the reference. @default 3600000 (1 h) */
  readonly windowMs: number;
  /** Most samples kept per feature in the window. @default 2000 */
  readonly maxSamples: number;
  /** Without a reference file, the first N samples become the reference. @default 500 */
  readonly referenceFirstN: number;
}

export interface CostConfig {
  /** Price of this node per hour (USD); when unset, the hardware catalog's price of its class. */
  readonly nodeCostPerHour: number | undefined;
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
  /** Deepest nesting of arrays and objects in a JSON body. @default 64 */
  readonly maxJsonDepth: number;
  /** Requests that may wait for one model version before new ones get 503 OVERLOADED. @default 1024 */
  readonly maxQueuePerModel: number;
  /** @default 'info' */
  readonly logLevel: LogLevel;
  readonly onnx: OnnxSettings;
  readonly slo: SloSettings;
  readonly tracing: TracingSettings;
  /** How often device metrics are refreshed from hardware discovery; 0 = never. @default 15000 */
  readonly deviceMetricsIntervalMs: number;
  /** Model registry: ingest, signatures, approval gates (see registry-config.ts). */
  readonly registry: RegistrySettings;
  readonly storage: StorageSettings;
  readonly auth: AuthSettings;
  readonly audit: AuditSettings;
  /** @default [] */
  readonly declaredDevices: readonly DeclaredDevice[];
  /** Folder of sim profiles (<model>.yaml) for declared devices. @default <cwd>/sim/profiles */
  readonly simProfiles: string;
  readonly residency: ResidencySettings;
  readonly cluster: ClusterSettings;
  readonly http: HttpTimeouts;
  readonly circuit: CircuitConfig;
  readonly drift: DriftConfig;
  readonly cost: CostConfig;
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

export const BUILT_IN_RESIDENCY_POLICIES: Readonly<Record<string, readonly Tier[]>> = Object.freeze({
  'onprem-only': Object.freeze(['edge', 'onprem'] as Tier[]),
  any: TIERS,
});

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
    max_json_depth: { type: 'integer', minimum: 8, maximum: 1024 },
    max_queue_per_model: { type: 'integer', minimum: 1, maximum: 1000000 },
    log_level: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
    declared_devices: {
      type: 'array',
      maxItems: 64,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['class'],
        properties: {
          class: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' },
          count: { type: 'integer', minimum: 1, maximum: 1024 },
          tier: { enum: TIERS },
          node: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' },
          cost_per_hour: { type: 'number', minimum: 0, maximum: 100000 },
          profile_class: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' },
        },
      },
    },
    sim_profiles: { type: 'string', minLength: 1 },
    residency: {
      type: 'object',
      additionalProperties: false,
      properties: {
        policies: { type: 'object', propertyNames: { pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' }, additionalProperties: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: TIERS } } },
        tenants: { type: 'object', propertyNames: { pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' }, additionalProperties: { type: 'string' } },
        models: { type: 'object', additionalProperties: { type: 'string' } },
        default_policy: { type: 'string' },
      },
    },
    onnx: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ...ONNX_SESSION_PROPERTIES,
        instances: { type: 'integer', minimum: 1, maximum: 64 },
        // Why the cap: past a millisecond inline inference would visibly stall other requests.
        inline_below_ms: { type: 'number', minimum: 0, maximum: 1 },
        // Why no negative values: raising a thread above the process needs privileges a server should not hold.
        worker_nice: { type: 'integer', minimum: 0, maximum: 19 },
      },
    },
    slo: {
      type: 'object',
      additionalProperties: false,
      properties: {
        // Why the floor: the burn windows are minute-bucketed, faster ticks add nothing.
        evaluate_interval_ms: { type: 'integer', minimum: 1000, maximum: 600000 },
        webhook_url: { type: 'string', pattern: '^https?://', maxLength: 2048 },
        webhook_retries: { type: 'integer', minimum: 0, maximum: 20 },
        webhook_backoff_ms: { type: 'integer', minimum: 1, maximum: 600000 },
        webhook_timeout_ms: { type: 'integer', minimum: 100, maximum: 600000 },
      },
    },
    tracing: {
      type: 'object',
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean' },
        endpoint: { type: 'string', pattern: '^https?://', maxLength: 2048 },
        headers: { type: 'object', additionalProperties: { type: 'string' } },
        sampling_ratio: { type: 'number', minimum: 0, maximum: 1 },
        service_name: { type: 'string', minLength: 1, maxLength: 256 },
      },
    },
    // Why the floor: discovery runs vendor tools (nvidia-smi...), not something to run every second.
    device_metrics_interval_ms: { anyOf: [{ const: 0 }, { type: 'integer', minimum: 1000, maximum: 3600000 }] },
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
    cluster: {
      type: 'object',
      additionalProperties: false,
      properties: {
        // Why 16: a short token is guessable by anyone who can reach /internal/v1/join.
        token: { type: 'string', minLength: 16, maxLength: 512 },
        heartbeat_ms: { type: 'integer', minimum: 100, maximum: 60000 },
        local_replicas: { type: 'boolean' },
        default_replicas: { type: 'integer', minimum: 1, maximum: 1000 },
        max_replicas_per_node: { type: 'integer', minimum: 1, maximum: 1000 },
        ejection_consecutive_errors: { type: 'integer', minimum: 1, maximum: 1000 },
        ejection_base_ms: { type: 'integer', minimum: 1, maximum: 3600000 },
        ejection_max_ms: { type: 'integer', minimum: 1, maximum: 86400000 },
        retry_budget_ratio: { type: 'number', minimum: 0, maximum: 1 },
        retry_budget_min: { type: 'integer', minimum: 0, maximum: 1000000 },
        retry_window_ms: { type: 'integer', minimum: 100, maximum: 3600000 },
        batch_timeout_ms: { type: 'integer', minimum: 10, maximum: 3600000 },
      },
    },
    http: {
      type: 'object',
      additionalProperties: false,
      properties: {
        // Why the floors: below 100 ms a healthy client on a slow link is cut off.
        headers_timeout_ms: { type: 'integer', minimum: 100, maximum: 600000 },
        request_timeout_ms: { type: 'integer', minimum: 100, maximum: 3600000 },
        upload_timeout_ms: { type: 'integer', minimum: 100, maximum: 86400000 },
        keep_alive_timeout_ms: { type: 'integer', minimum: 100, maximum: 600000 },
      },
    },
    circuit: {
      type: 'object',
      additionalProperties: false,
      properties: {
        failure_threshold: { type: 'integer', minimum: 1, maximum: 1000 },
        open_seconds: { type: 'number', minimum: 0.01, maximum: 3600 },
      },
    },
    drift: {
      type: 'object',
      additionalProperties: false,
      properties: {
        sample_every: { type: 'integer', minimum: 1, maximum: 1000000 },
        window_seconds: { type: 'number', minimum: 1, maximum: 2592000 },
        max_samples: { type: 'integer', minimum: 10, maximum: 1000000 },
        reference_first_n: { type: 'integer', minimum: 10, maximum: 1000000 },
      },
    },
    cost: {
      type: 'object',
      additionalProperties: false,
      properties: {
        node_cost_per_hour: { type: 'number', minimum: 0, maximum: 1000000 },
      },
    },
  },
} as const;

/** Keys a config file nests one level deep (`onnx: {instances: 2}` is `onnx.instances`). */

export const CONFIG_DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  model_repository: 'models',
  data_dir: '.switchyard',
  body_limit_bytes: 8 * 1024 * 1024,
  max_tensor_elements: 16 * 1024 * 1024,
  // Why 64: an inference body nests about 6 levels (a rank-16 tensor as nested arrays, 19), a
  // push's lineage and schema a few more; the registry's JSON Schema checks recurse per level.
  max_json_depth: 64,
  max_queue_per_model: 1024,
  log_level: 'info',
  'onnx.execution_provider': 'cpu',
  'onnx.intra_op_threads': 1,
  'onnx.instances': 1,
  'onnx.inline_below_ms': 0.2,
  'onnx.worker_nice': 10,
  'slo.evaluate_interval_ms': 10000,
  'slo.webhook_retries': 4,
  'slo.webhook_backoff_ms': 250,
  'slo.webhook_timeout_ms': 5000,
  'tracing.enabled': 'false',
  'tracing.endpoint': 'http://127.0.0.1:4318/v1/traces',
  'tracing.sampling_ratio': 1,
  'tracing.service_name': 'switchyard',
  device_metrics_interval_ms: 15000,
  'storage.driver': 'sqlite',
  'storage.postgres_url': '',
  'auth.anonymous_inference': 'loopback',
  'audit.flush_interval_ms': 200,
  'audit.flush_max_rows': 500,
  sim_profiles: 'sim/profiles',
  'cluster.heartbeat_ms': 2000,
  'cluster.local_replicas': true,
  'cluster.default_replicas': 1,
  'cluster.max_replicas_per_node': 1,
  'cluster.ejection_consecutive_errors': 5,
  'cluster.ejection_base_ms': 30000,
  'cluster.ejection_max_ms': 300000,
  'cluster.retry_budget_ratio': 0.2,
  'cluster.retry_budget_min': 10,
  'cluster.retry_window_ms': 10000,
  'cluster.batch_timeout_ms': 30000,
  'http.headers_timeout_ms': 10000,
  'http.request_timeout_ms': 30000,
  'http.upload_timeout_ms': 600000,
  'http.keep_alive_timeout_ms': 5000,
  'circuit.failure_threshold': 5,
  'circuit.open_seconds': 10,
  'drift.sample_every': 4,
  'drift.window_seconds': 3600,
  'drift.max_samples': 2000,
  'drift.reference_first_n': 500,
} as const satisfies Record<string, string | number | boolean>;

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

/** The nested sections of the config file: their keys are dotted (`onnx.instances`). */
type Section = 'onnx' | 'slo' | 'tracing' | 'storage' | 'auth' | 'audit' | 'cluster' | 'circuit' | 'drift' | 'cost' | 'http';
const SECTIONS: ReadonlySet<string> = new Set<Section>(['onnx', 'slo', 'tracing', 'storage', 'auth', 'audit', 'cluster', 'circuit', 'drift', 'cost', 'http']);

const NUMERIC_KEYS = new Set(
  Object.entries(CONFIG_DEFAULTS).filter(([, v]) => typeof v === 'number').map(([k]) => k),
);

// tracing.enabled's default is the string 'false' (it predates boolean defaults); it converts like the others.
const BOOLEAN_KEYS = new Set([
  'tracing.enabled',
  ...Object.entries(CONFIG_DEFAULTS).filter(([, v]) => typeof v === 'boolean').map(([k]) => k),
]);

/** Environment variables and flags arrive as strings; numbers and booleans among them are converted. */
function coerce(key: string, value: unknown): unknown {
  if (BOOLEAN_KEYS.has(key) && (value === 'true' || value === 'false')) return value === 'true';
  if ((NUMERIC_KEYS.has(key) || key === 'cost.node_cost_per_hour') && typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value.trim());
  if (BOOLEAN_KEYS.has(key) && typeof value === 'string' && /^(true|false)$/.test(value.trim())) return value.trim() === 'true';
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
    const section = SECTIONS.has(path) ? (CONFIG_SCHEMA.properties[path as Section] as { properties: object }).properties : CONFIG_SCHEMA.properties;
    const allowed = Object.keys(section).join(', ');
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
  const slo = (file.slo ?? {}) as Record<string, unknown>;
  const tracing = (file.tracing ?? {}) as Record<string, unknown>;
  const registryProblems: string[] = [];
  const registry = compileRegistrySettings(file.registry, registryProblems);
  if (registryProblems.length > 0) throw new ConfigError(registryProblems);
  const storage = (file.storage ?? {}) as Record<string, unknown>;
  const auth = (file.auth ?? {}) as Record<string, unknown>;
  const audit = (file.audit ?? {}) as Record<string, unknown>;
  if (storage.driver === 'postgres' && !storage.postgres_url) {
    throw new ConfigError([`storage.postgres_url (from ${merged.get('storage.postgres_url')?.source ?? 'default'}): required when storage.driver is postgres`]);
  }
  const cluster = (file.cluster ?? {}) as Record<string, unknown>;
  const circuit = (file.circuit ?? {}) as Record<string, number>;
  const http = compileHttpTimeouts((file.http ?? {}) as Record<string, number>, merged);
  const drift = (file.drift ?? {}) as Record<string, number>;
  const cost = (file.cost ?? {}) as Record<string, number | undefined>;
  const absolute = (p: string): string => (isAbsolute(p) ? p : resolve(cwd, p));
  const residency = compileResidency((file.residency ?? {}));
  return Object.freeze({
    host: file.host as string,
    port: file.port as number,
    modelRepository: absolute(file.model_repository as string),
    dataDir: absolute(file.data_dir as string),
    bodyLimitBytes: file.body_limit_bytes as number,
    maxTensorElements: file.max_tensor_elements as number,
    maxJsonDepth: file.max_json_depth as number,
    maxQueuePerModel: file.max_queue_per_model as number,
    logLevel: file.log_level as LogLevel,
    onnx: Object.freeze({
      executionProvider: onnx.execution_provider as ExecutionProvider,
      intraOpThreads: onnx.intra_op_threads as number,
      instances: onnx.instances as number,
      inlineBelowMs: onnx.inline_below_ms as number,
      workerNice: onnx.worker_nice as number,
    }),
    slo: Object.freeze({
      evaluateIntervalMs: slo.evaluate_interval_ms as number,
      webhookUrl: slo.webhook_url as string | undefined,
      webhookRetries: slo.webhook_retries as number,
      webhookBackoffMs: slo.webhook_backoff_ms as number,
      webhookTimeoutMs: slo.webhook_timeout_ms as number,
    }),
    tracing: Object.freeze({
      enabled: tracing.enabled as boolean,
      endpoint: tracing.endpoint as string,
      headers: Object.freeze({ ...((tracing.headers ?? {}) as Record<string, string>) }),
      samplingRatio: tracing.sampling_ratio as number,
      serviceName: tracing.service_name as string,
    }),
    deviceMetricsIntervalMs: file.device_metrics_interval_ms as number,
    registry,
    storage: Object.freeze({ driver: storage.driver as StorageSettings['driver'], postgresUrl: storage.postgres_url as string }),
    auth: Object.freeze({ anonymousInference: auth.anonymous_inference as AnonymousInference }),
    audit: Object.freeze({ flushIntervalMs: audit.flush_interval_ms as number, flushMaxRows: audit.flush_max_rows as number }),
    declaredDevices: Object.freeze(((file.declared_devices ?? []) as RawDeclaredDevice[]).map(compileDevice)),
    simProfiles: absolute(file.sim_profiles as string),
    residency,
    cluster: Object.freeze({
      token: cluster.token as string | undefined,
      heartbeatMs: cluster.heartbeat_ms as number,
      localReplicas: cluster.local_replicas as boolean,
      defaultReplicas: cluster.default_replicas as number,
      maxReplicasPerNode: cluster.max_replicas_per_node as number,
      ejectionConsecutiveErrors: cluster.ejection_consecutive_errors as number,
      ejectionBaseMs: cluster.ejection_base_ms as number,
      ejectionMaxMs: cluster.ejection_max_ms as number,
      retryBudgetRatio: cluster.retry_budget_ratio as number,
      retryBudgetMin: cluster.retry_budget_min as number,
      retryWindowMs: cluster.retry_window_ms as number,
      batchTimeoutMs: cluster.batch_timeout_ms as number,
    }),
    http,
    circuit: Object.freeze({ failureThreshold: circuit.failure_threshold!, openMs: circuit.open_seconds! * 1000 }),
    drift: Object.freeze({
      sampleEvery: drift.sample_every!,
      windowMs: drift.window_seconds! * 1000,
      maxSamples: drift.max_samples!,
      referenceFirstN: drift.reference_first_n!,
    }),
    cost: Object.freeze({ nodeCostPerHour: cost.node_cost_per_hour }),
  });
}

/** Node requires headers <= request; a push may take longer than any other request, never less. */
function compileHttpTimeouts(http: Record<string, number>, raw: RawConfig): HttpTimeouts {
  const timeouts = Object.freeze({
    headersTimeoutMs: http.headers_timeout_ms!,
    requestTimeoutMs: http.request_timeout_ms!,
    uploadTimeoutMs: http.upload_timeout_ms!,
    keepAliveTimeoutMs: http.keep_alive_timeout_ms!,
  });
  const source = (key: string): string => raw.get(key)?.source ?? 'default';
  const problems: string[] = [];
  if (timeouts.headersTimeoutMs > timeouts.requestTimeoutMs) problems.push(`http.headers_timeout_ms (from ${source('http.headers_timeout_ms')}): must not exceed http.request_timeout_ms (${timeouts.requestTimeoutMs})`);
  if (timeouts.requestTimeoutMs > timeouts.uploadTimeoutMs) problems.push(`http.request_timeout_ms (from ${source('http.request_timeout_ms')}): must not exceed http.upload_timeout_ms (${timeouts.uploadTimeoutMs})`);
  if (problems.length > 0) throw new ConfigError(problems);
  return timeouts;
}

interface RawDeclaredDevice {
  class: string;
  count?: number;
  tier?: Tier;
  node?: string;
  cost_per_hour?: number;
  profile_class?: string;
}

function compileDevice(raw: RawDeclaredDevice): DeclaredDevice {
  return Object.freeze({ class: raw.class, count: raw.count ?? 1, tier: raw.tier, node: raw.node ?? 'declared', costPerHour: raw.cost_per_hour, profileClass: raw.profile_class });
}

interface RawResidency {
  policies?: Record<string, Tier[]>;
  tenants?: Record<string, string>;
  models?: Record<string, string>;
  default_policy?: string;
}

/** Every policy a tenant or model names must exist: a typo must not silently allow the cloud. */
function compileResidency(raw: RawResidency): ResidencySettings {
  const policies = { ...BUILT_IN_RESIDENCY_POLICIES, ...(raw.policies ?? {}) };
  const problems: string[] = [];
  const check = (where: string, name: string): void => {
    if (!Object.hasOwn(policies, name)) problems.push(`${where}: policy '${name}' is not defined; policies: ${Object.keys(policies).join(', ')}`);
  };
  for (const [tenant, policy] of Object.entries(raw.tenants ?? {})) check(`residency.tenants.${tenant}`, policy);
  for (const [model, policy] of Object.entries(raw.models ?? {})) check(`residency.models.${model}`, policy);
  const defaultPolicy = raw.default_policy ?? 'any';
  check('residency.default_policy', defaultPolicy);
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({ policies: Object.freeze(policies), tenants: Object.freeze({ ...(raw.tenants ?? {}) }), models: Object.freeze({ ...(raw.models ?? {}) }), defaultPolicy });
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

/**
 * Server configuration in stages: raw values from defaults, a file, the environment and flags
 * (each remembering where it came from) -> validated once against one schema -> compiled
 * (absolute paths, camelCase) -> frozen. A bad value names its key, its source and what is
 * allowed. Every key is declared once, below (config-keys.ts derives the rest from it); the
 * rules between keys are explicit checks after validation. Durations are `*_ms`.
 */
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { TIERS, type Tier } from './tiers.js';
import { compileRegistrySettings, REGISTRY_CONFIG_SCHEMA, type RegistrySettings } from './registry-config.js';
import {
  boolean, coerce, compileDeclarations, custom, declaredKeys, defaultsOf, duration, enumOf, integer, isRecord, number, path,
  schemaOf, section, sectionNames, string, url, type Compiled, type CompileContext, type KeyDecl,
} from './config-keys.js';

const EXECUTION_PROVIDERS = ['cpu', 'cuda'] as const;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const ANONYMOUS_INFERENCE = ['loopback', 'allow', 'deny'] as const;
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];
export type LogLevel = (typeof LOG_LEVELS)[number];
/** When /v2 inference may run without an API key. */
export type AnonymousInference = (typeof ANONYMOUS_INFERENCE)[number];

export const BUILT_IN_RESIDENCY_POLICIES: Readonly<Record<string, readonly Tier[]>> = Object.freeze({
  'onprem-only': Object.freeze<Tier[]>(['edge', 'onprem']),
  any: TIERS,
});

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

const CLASS_ID = '^[a-z0-9][a-z0-9._-]{0,63}$';
const NAME = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';
const isTier = (v: unknown): v is Tier => TIERS.some((tier) => tier === v);
const isTierList = (v: unknown): v is Tier[] => Array.isArray(v) && v.every(isTier);
const isStringMap = (v: unknown): v is Record<string, string> => isRecord(v) && Object.values(v).every((s) => typeof s === 'string');
const optionalNumber = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const optionalString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** A validated map of strings (its key's schema allows nothing else). */
function stringMap(value: unknown): Readonly<Record<string, string>> {
  return Object.freeze(isStringMap(value) ? { ...value } : {});
}

function compileDevice(raw: unknown): DeclaredDevice {
  const device = isRecord(raw) ? raw : {};
  return Object.freeze({
    class: optionalString(device.class) ?? '',
    count: optionalNumber(device.count) ?? 1,
    tier: isTier(device.tier) ? device.tier : undefined,
    node: optionalString(device.node) ?? 'declared',
    costPerHour: optionalNumber(device.cost_per_hour),
    profileClass: optionalString(device.profile_class),
  });
}

const ONNX = section({
  execution_provider: enumOf(EXECUTION_PROVIDERS, { default: 'cpu', env: true, doc: 'ONNX Runtime execution provider; a model.yaml may override it.' }),
  intra_op_threads: integer({ min: 1, max: 256, default: 1, env: true, doc: 'Threads ONNX Runtime uses inside one operator (one per instance leaves a core for HTTP on small machines).' }),
  instances: integer({ min: 1, max: 64, default: 1, env: true, doc: 'Worker threads (each with its own session) per model version.' }),
  // Why the cap: past a millisecond inline inference would visibly stall other requests.
  inline_below_ms: number({ min: 0, max: 1, default: 0.2, env: true, doc: 'Batches predicted to compute in less than this run on the event-loop thread (a thread hop costs more); 0 = always a worker.' }),
  // Why no negative values: raising a thread above the process needs privileges a server should not hold.
  worker_nice: integer({ min: 0, max: 19, default: 10, env: true, doc: 'Nice value of each ONNX worker thread (Linux), so compute yields to the event loop; 0 = the process\'s own.' }),
});

/** Every key of the config file, once. The order is the order error messages list them in. */
const DECLARATIONS = {
  host: string({ minLength: 1, default: '127.0.0.1', env: true, doc: 'Address to bind (never exposed to the network unless asked).' }),
  port: integer({ min: 0, max: 65535, default: 8080, env: true, doc: 'Port to listen on (0 = any free port).' }),
  model_repository: path({ default: 'models', env: true, doc: 'The model repository folder.' }),
  data_dir: path({ default: '.switchyard', env: true, doc: 'The data folder (SQLite store, audit log).' }),
  body_limit_bytes: integer({ min: 1024, max: 1073741824, default: 8 * 1024 * 1024, env: true, doc: 'Largest request body.' }),
  max_tensor_elements: integer({ min: 1, max: 268435456, default: 16 * 1024 * 1024, env: true, doc: 'Largest element count of one input tensor.' }),
  // Why 64: an inference body nests about 6 levels (a rank-16 tensor as nested arrays, 19), a
  // push's lineage and schema a few more; the registry's JSON Schema checks recurse per level.
  max_json_depth: integer({ min: 8, max: 1024, default: 64, env: true, doc: 'Deepest nesting of arrays and objects in a JSON body.' }),
  max_queue_per_model: integer({ min: 1, max: 1000000, default: 1024, env: true, doc: 'Requests that may wait for one model version before new ones get 503 OVERLOADED.' }),
  log_level: enumOf(LOG_LEVELS, { default: 'info', env: true, doc: 'pino log level.' }),
  declared_devices: custom({
    docDefault: '[]',
    doc: 'Devices this machine does not have, served by the sim backend.',
    schema: {
      type: 'array',
      maxItems: 64,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['class'],
        properties: {
          class: { type: 'string', pattern: CLASS_ID },
          count: { type: 'integer', minimum: 1, maximum: 1024 },
          tier: { enum: TIERS },
          node: { type: 'string', pattern: NAME },
          cost_per_hour: { type: 'number', minimum: 0, maximum: 100000 },
          profile_class: { type: 'string', pattern: CLASS_ID },
        },
      },
    },
    compile: (value): readonly DeclaredDevice[] => Object.freeze((Array.isArray(value) ? value : []).map(compileDevice)),
  }),
  sim_profiles: path({ default: 'sim/profiles', doc: 'Folder of sim profiles (<model>.yaml) for declared devices.' }),
  residency: section({
    policies: custom({
      docDefault: 'onprem-only: [edge, onprem]',
      doc: 'Named tier lists; onprem-only and any are built in.',
      schema: { type: 'object', propertyNames: { pattern: CLASS_ID }, additionalProperties: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: TIERS } } },
      compile: (value): Readonly<Record<string, readonly Tier[]>> => {
        const policies: Record<string, readonly Tier[]> = { ...BUILT_IN_RESIDENCY_POLICIES };
        if (isRecord(value)) for (const [name, tiers] of Object.entries(value)) if (isTierList(tiers)) policies[name] = tiers;
        return Object.freeze(policies);
      },
    }),
    tenants: custom({ docDefault: '{}', doc: 'Tenant (x-switchyard-tenant) -> policy name.', schema: { type: 'object', propertyNames: { pattern: NAME }, additionalProperties: { type: 'string' } }, compile: stringMap }),
    models: custom({ docDefault: '{}', doc: 'Model name -> policy name, for every request to that model.', schema: { type: 'object', additionalProperties: { type: 'string' } }, compile: stringMap }),
    default_policy: string({ default: 'any', doc: 'The policy of requests without a tenant or with an unlisted one.' }),
  }),
  onnx: ONNX,
  slo: section({
    // Why the floor: the burn windows are minute-bucketed, faster ticks add nothing.
    evaluate_interval_ms: duration({ min: 1000, max: 600000, default: 10000, env: true, doc: 'How often the control loop evaluates every SLO.' }),
    webhook_url: url({ env: true, doc: 'Where SLO alerts are POSTed when an SLO names no webhook of its own.' }),
    webhook_retries: integer({ min: 0, max: 20, default: 4, doc: 'Retries of a failed alert, with exponential backoff.' }),
    webhook_backoff_ms: duration({ min: 1, max: 600000, default: 250, doc: 'Wait before the first retry, doubled each time.' }),
    webhook_timeout_ms: duration({ min: 100, max: 600000, default: 5000, doc: 'Per-attempt timeout of an alert.' }),
  }),
  tracing: section({
    enabled: boolean({ default: false, env: true, doc: 'Off by default: no OpenTelemetry object exists on the request path when off.' }),
    endpoint: url({ default: 'http://127.0.0.1:4318/v1/traces', env: true, doc: 'OTLP/HTTP traces endpoint.' }),
    headers: custom({ docDefault: '{}', doc: 'Extra HTTP headers for the exporter (e.g. an API key).', schema: { type: 'object', additionalProperties: { type: 'string' } }, compile: stringMap }),
    sampling_ratio: number({ min: 0, max: 1, default: 1, env: true, doc: 'Share of new traces sampled (a caller\'s sampled flag is followed).' }),
    service_name: string({ minLength: 1, maxLength: 256, default: 'switchyard', doc: 'service.name of the exported spans.' }),
  }),
  // Why the floor: discovery runs vendor tools (nvidia-smi...), not something to run every second.
  device_metrics_interval_ms: duration({ min: 1000, max: 3600000, zeroMeansOff: true, default: 15000, env: true, doc: 'How often device metrics are refreshed from hardware discovery; 0 = never.' }),
  registry: custom({
    doc: 'Model registry: ingest, signatures, approval gates (its own table; registry-config.ts).',
    schema: REGISTRY_CONFIG_SCHEMA,
    compile: (value, ctx): RegistrySettings => compileRegistrySettings(value, ctx.problems),
  }),
  storage: section({
    driver: enumOf(['sqlite', 'postgres'], { default: 'sqlite', env: true, doc: 'sqlite (a file in data_dir) or postgres.' }),
    postgres_url: string({ pattern: '^(|postgres(ql)?://.+)$', default: '', env: 'SWITCHYARD_POSTGRES_URL', doc: 'Required when driver is postgres.' }),
  }),
  auth: section({
    anonymous_inference: enumOf(ANONYMOUS_INFERENCE, { default: 'loopback', env: 'SWITCHYARD_ANONYMOUS_INFERENCE', doc: 'When /v2 inference may run without an API key (loopback: only while bound to a loopback address).' }),
  }),
  audit: section({
    flush_interval_ms: duration({ min: 1, max: 60000, default: 200, env: true, doc: 'Inference summaries are buffered and written together at most this often...' }),
    flush_max_rows: integer({ min: 1, max: 100000, default: 500, env: true, doc: '...or as soon as this many are buffered.' }),
  }),
  cluster: section({
    // Why 16: a short token is guessable by anyone who can reach /internal/v1/join.
    token: string({ minLength: 16, maxLength: 512, env: true, doc: 'Shared secret agents present to join; cluster mode is off without one.' }),
    heartbeat_ms: duration({ min: 100, max: 60000, default: 2000, env: true, doc: 'How often agents heartbeat; a node is suspect after 1.5 intervals, dead after 3.' }),
    local_replicas: boolean({ default: true, doc: 'Whether this server also runs replicas in its own process (switchyard gateway turns it off).' }),
    default_replicas: integer({ min: 1, max: 1000, default: 1, doc: 'Replicas per deployment when model.yaml\'s placement.replicas is absent.' }),
    max_replicas_per_node: integer({ min: 1, max: 1000, default: 1, doc: 'Anti-affinity: at most this many replicas of one deployment per node.' }),
    ejection_consecutive_errors: integer({ min: 1, max: 1000, default: 5, doc: 'Consecutive failed batches that eject a replica.' }),
    ejection_base_ms: duration({ min: 1, max: 3600000, default: 30000, doc: 'First ejection lasts this long; each further one adds as much, up to the max.' }),
    ejection_max_ms: duration({ min: 1, max: 86400000, default: 300000, doc: 'Longest ejection.' }),
    retry_budget_ratio: number({ min: 0, max: 1, default: 0.2, doc: 'Retries may be at most this share of requests over the window...' }),
    retry_budget_min: integer({ min: 0, max: 1000000, default: 10, doc: '...or this many, whichever is more.' }),
    retry_window_ms: duration({ min: 100, max: 3600000, default: 10000, doc: 'The retry budget\'s window.' }),
    batch_timeout_ms: duration({ min: 10, max: 3600000, default: 30000, doc: 'A batch on a remote node that has not answered after this long counts as lost.' }),
  }),
  http: section({
    // Why the floors: below 100 ms a healthy client on a slow link is cut off.
    headers_timeout_ms: duration({ min: 100, max: 600000, default: 10000, env: true, doc: 'The request line and headers must arrive within this.' }),
    request_timeout_ms: duration({ min: 100, max: 3600000, default: 30000, env: true, doc: 'Headers and body of any request but a registry push.' }),
    upload_timeout_ms: duration({ min: 100, max: 86400000, default: 600000, env: true, doc: 'Headers and body of a registry push (artifacts are large).' }),
    keep_alive_timeout_ms: duration({ min: 100, max: 600000, default: 5000, env: true, doc: 'An idle keep-alive connection is closed after this.' }),
  }),
  circuit: section({
    failure_threshold: integer({ min: 1, max: 1000, default: 5, doc: 'Consecutive failures (5xx, timeouts) that open a deployment\'s circuit.' }),
    open_ms: duration({ min: 10, max: 3600000, default: 10000, alias: { name: 'open_seconds', factor: 1000, min: 0.01, max: 3600 }, doc: 'How long an open circuit refuses calls before one probe.' }),
  }),
  drift: section({
    sample_every: integer({ min: 1, max: 1000000, default: 4, doc: 'Every k-th request is sampled for drift.' }),
    window_ms: duration({ min: 1000, max: 2592000000, default: 3600000, alias: { name: 'window_seconds', factor: 1000, min: 1, max: 2592000 }, doc: 'Rolling window of samples compared with the reference.' }),
    max_samples: integer({ min: 10, max: 1000000, default: 2000, doc: 'Most samples kept per feature in the window.' }),
    reference_first_n: integer({ min: 10, max: 1000000, default: 500, doc: 'Without a reference file, the first N samples become the reference.' }),
  }),
  cost: section({
    node_cost_per_hour: number({ min: 0, max: 1000000, doc: 'Price of this node per hour (USD); when unset, the hardware catalog\'s price of its class.' }),
  }),
} as const;

/** The configuration the rest of the code reads: typed from the declarations above. */
export type ServerConfig = Compiled<typeof DECLARATIONS>;
export type OnnxSettings = ServerConfig['onnx'];
export type SloSettings = ServerConfig['slo'];
export type TracingSettings = ServerConfig['tracing'];
export type ResidencySettings = ServerConfig['residency'];
export type StorageSettings = ServerConfig['storage'];
export type AuthSettings = ServerConfig['auth'];
export type AuditSettings = ServerConfig['audit'];
export type ClusterSettings = ServerConfig['cluster'];
export type HttpTimeouts = ServerConfig['http'];
export type CircuitConfig = ServerConfig['circuit'];
export type DriftConfig = ServerConfig['drift'];
export type CostConfig = ServerConfig['cost'];

/** Every declared key (dotted) with its declaration: for the docs test and the environment. */
export const CONFIG_KEYS: ReadonlyMap<string, KeyDecl<unknown>> = new Map(declaredKeys(DECLARATIONS));

/** The ONNX session settings a server sets for all models and a model.yaml may override. */
export const ONNX_SESSION_PROPERTIES = {
  execution_provider: ONNX.keys.execution_provider.schema,
  intra_op_threads: ONNX.keys.intra_op_threads.schema,
};

/** Keys as written in a config file (snake_case, sections nested). */
export const CONFIG_SCHEMA = schemaOf(DECLARATIONS);

/** Dotted key -> default, for the keys that have one. */
export const CONFIG_DEFAULTS = defaultsOf(DECLARATIONS);

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
const SECTIONS: ReadonlySet<string> = new Set(sectionNames(DECLARATIONS));

/** Declarations by dotted key, aliases included (they convert like the key they stand for). */
const BY_KEY = new Map(CONFIG_KEYS);
for (const [dotted, decl] of CONFIG_KEYS) if (decl.alias) BY_KEY.set(dotted.replace(/[^.]+$/, decl.alias.name), decl);

/** Allowed keys at the top level ('') and in each section, in declaration order. */
const ALLOWED_KEYS = new Map<string, string[]>([['', Object.keys(CONFIG_SCHEMA.properties)]]);
for (const name of SECTIONS) {
  const sectionSchema = CONFIG_SCHEMA.properties[name];
  if (isRecord(sectionSchema) && isRecord(sectionSchema.properties)) ALLOWED_KEYS.set(name, Object.keys(sectionSchema.properties));
}

/** A section given whole (`residency: {...}` in a RawConfig) becomes dotted keys, like a file's. */
function expandSections(raw: RawConfig): RawConfig {
  const out: RawConfig = new Map();
  for (const [key, setting] of raw) {
    const value = setting.value;
    if (SECTIONS.has(key) && isRecord(value)) {
      for (const [inner, innerValue] of Object.entries(value)) out.set(`${key}.${inner}`, { value: innerValue, source: setting.source });
    } else {
      out.set(key, setting);
    }
  }
  return out;
}

function nest(raw: RawConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, { value }] of raw) {
    const parts = key.split('.');
    let target = out;
    for (const part of parts.slice(0, -1)) {
      const next = target[part];
      const inner = isRecord(next) ? next : {};
      target[part] = inner;
      target = inner;
    }
    target[parts[parts.length - 1] ?? key] = coerce(BY_KEY.get(key), value);
  }
  return out;
}

const ajv = new Ajv2020({ allErrors: true, strict: true });
const validate = ajv.compile(CONFIG_SCHEMA);

function describeProblem(error: ErrorObject, raw: RawConfig): string {
  const path = error.instancePath.replace(/^\//, '').replaceAll('/', '.');
  if (error.keyword === 'additionalProperties') {
    const extra = String(error.params.additionalProperty);
    const key = path ? `${path}.${extra}` : extra;
    const allowed = (ALLOWED_KEYS.get(path) ?? ALLOWED_KEYS.get('') ?? []).join(', ');
    return `${key} (from ${raw.get(key)?.source ?? 'config'}): unknown key; allowed keys here: ${allowed}`;
  }
  const setting = raw.get(path);
  const got = setting === undefined ? '' : `, got ${JSON.stringify(setting.value)}`;
  const source = setting ? ` (from ${setting.source})` : '';
  if (error.keyword === 'enum') {
    const allowedValues: unknown = error.params.allowedValues;
    const allowed = Array.isArray(allowedValues) ? allowedValues.join(' | ') : '';
    return `${path}${source}: must be one of ${allowed}${got}`;
  }
  return `${path || 'config'}${source}: ${error.message ?? 'is invalid'}${got}`;
}

/** Validates and compiles; throws ConfigError listing every problem at once. */
export function compileConfig(raw: RawConfig, cwd: string): ServerConfig {
  const merged: RawConfig = new Map(
    Object.entries(CONFIG_DEFAULTS).map(([key, value]) => [key, { value, source: 'default' }]),
  );
  for (const [key, setting] of expandSections(raw)) merged.set(key, setting);
  const file = nest(merged);
  if (!validate(file)) throw new ConfigError((validate.errors ?? []).map((e) => describeProblem(e, merged)));
  const ctx: CompileContext = { cwd, problems: [], sourceOf: (key) => merged.get(key)?.source ?? 'default' };
  const config = compileDeclarations(DECLARATIONS, file, ctx);
  if (ctx.problems.length > 0) throw new ConfigError(ctx.problems);
  for (const check of CROSS_KEY_RULES) {
    const problems = check(config, ctx);
    if (problems.length > 0) throw new ConfigError(problems);
  }
  return config;
}

type CrossKeyRule = (config: ServerConfig, ctx: CompileContext) => string[];

/** Rules between keys, checked after every key is valid on its own. */
const CROSS_KEY_RULES: readonly CrossKeyRule[] = [
  ({ storage }, ctx) => (storage.driver === 'postgres' && !storage.postgresUrl ? [`storage.postgres_url (from ${ctx.sourceOf('storage.postgres_url')}): required when storage.driver is postgres`] : []),
  // Node requires headers <= request; a push may take longer than any other request, never less.
  ({ http }, ctx) => [
    ...(http.headersTimeoutMs > http.requestTimeoutMs ? [`http.headers_timeout_ms (from ${ctx.sourceOf('http.headers_timeout_ms')}): must not exceed http.request_timeout_ms (${http.requestTimeoutMs})`] : []),
    ...(http.requestTimeoutMs > http.uploadTimeoutMs ? [`http.request_timeout_ms (from ${ctx.sourceOf('http.request_timeout_ms')}): must not exceed http.upload_timeout_ms (${http.uploadTimeoutMs})`] : []),
  ],
  // Every policy a tenant or model names must exist: a typo must not silently allow the cloud.
  ({ residency }) => {
    const problems: string[] = [];
    const check = (where: string, name: string): void => {
      if (!Object.hasOwn(residency.policies, name)) problems.push(`${where}: policy '${name}' is not defined; policies: ${Object.keys(residency.policies).join(', ')}`);
    };
    for (const [tenant, policy] of Object.entries(residency.tenants)) check(`residency.tenants.${tenant}`, policy);
    for (const [model, policy] of Object.entries(residency.models)) check(`residency.models.${model}`, policy);
    check('residency.default_policy', residency.defaultPolicy);
    return problems;
  },
];

/** Flattens a parsed config file into dotted keys, keeping unknown keys so validation names them. */
export function flattenConfigFile(content: unknown, source: string): RawConfig {
  if (!isRecord(content)) throw new ConfigError([`${source}: must be a mapping of keys to values`]);
  return expandSections(new Map(Object.entries(content).map(([key, value]) => [key, { value, source }])));
}

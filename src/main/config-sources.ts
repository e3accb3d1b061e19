/**
 * Where configuration comes from, lowest precedence first: defaults, a YAML config file
 * (--config or SWITCHYARD_CONFIG), SWITCHYARD_* environment variables, command-line flags.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { readTokenFile } from './token-file.js';
import { ConfigError, compileConfig, flattenConfigFile, type RawConfig, type ServerConfig } from '../core/config.js';

/** Environment variable -> config key. */
export const ENVIRONMENT_KEYS: Readonly<Record<string, string>> = {
  SWITCHYARD_HOST: 'host',
  SWITCHYARD_PORT: 'port',
  SWITCHYARD_MODEL_REPOSITORY: 'model_repository',
  SWITCHYARD_DATA_DIR: 'data_dir',
  SWITCHYARD_BODY_LIMIT_BYTES: 'body_limit_bytes',
  SWITCHYARD_MAX_JSON_DEPTH: 'max_json_depth',
  SWITCHYARD_MAX_TENSOR_ELEMENTS: 'max_tensor_elements',
  SWITCHYARD_MAX_QUEUE_PER_MODEL: 'max_queue_per_model',
  SWITCHYARD_LOG_LEVEL: 'log_level',
  SWITCHYARD_ONNX_EXECUTION_PROVIDER: 'onnx.execution_provider',
  SWITCHYARD_ONNX_INTRA_OP_THREADS: 'onnx.intra_op_threads',
  SWITCHYARD_ONNX_INSTANCES: 'onnx.instances',
  SWITCHYARD_ONNX_INLINE_BELOW_MS: 'onnx.inline_below_ms',
  SWITCHYARD_ONNX_WORKER_NICE: 'onnx.worker_nice',
  SWITCHYARD_SLO_WEBHOOK_URL: 'slo.webhook_url',
  SWITCHYARD_SLO_EVALUATE_INTERVAL_MS: 'slo.evaluate_interval_ms',
  SWITCHYARD_TRACING_ENABLED: 'tracing.enabled',
  SWITCHYARD_TRACING_ENDPOINT: 'tracing.endpoint',
  SWITCHYARD_TRACING_SAMPLING_RATIO: 'tracing.sampling_ratio',
  SWITCHYARD_DEVICE_METRICS_INTERVAL_MS: 'device_metrics_interval_ms',
  SWITCHYARD_STORAGE_DRIVER: 'storage.driver',
  SWITCHYARD_POSTGRES_URL: 'storage.postgres_url',
  SWITCHYARD_ANONYMOUS_INFERENCE: 'auth.anonymous_inference',
  SWITCHYARD_AUDIT_FLUSH_INTERVAL_MS: 'audit.flush_interval_ms',
  SWITCHYARD_AUDIT_FLUSH_MAX_ROWS: 'audit.flush_max_rows',
  SWITCHYARD_CLUSTER_TOKEN: 'cluster.token',
  SWITCHYARD_CLUSTER_TOKEN_FILE: 'cluster.token_file',
  SWITCHYARD_CLUSTER_HEARTBEAT_MS: 'cluster.heartbeat_ms',
  SWITCHYARD_HTTP_HEADERS_TIMEOUT_MS: 'http.headers_timeout_ms',
  SWITCHYARD_HTTP_REQUEST_TIMEOUT_MS: 'http.request_timeout_ms',
  SWITCHYARD_HTTP_UPLOAD_TIMEOUT_MS: 'http.upload_timeout_ms',
  SWITCHYARD_HTTP_KEEP_ALIVE_TIMEOUT_MS: 'http.keep_alive_timeout_ms',
};

/** Set when `cluster.token_file` named a file that did not exist and the gateway created it. */
export interface TokenFileNote {
  createdTokenFile?: string;
}

export interface ConfigInputs {
  /** Flag values by config key, already named like the file's keys. */
  readonly flags: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly configFile: string | undefined;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Whether a missing `cluster.token_file` is created with a new random token (the gateway) or refused. */
  readonly createTokenFile?: boolean;
  /** Filled in when the token file was created. */
  readonly note?: TokenFileNote;
}

function readConfigFile(path: string): RawConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([`config file ${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  let content: unknown;
  try {
    content = parseYaml(text);
  } catch (error) {
    throw new ConfigError([`config file ${path}: not valid YAML: ${(error as Error).message.split('\n')[0]}`]);
  }
  const raw = flattenConfigFile(content ?? {}, `file ${path}`);
  // Paths in a config file are relative to the file, not to wherever the server starts.
  for (const key of ['model_repository', 'data_dir', 'sim_profiles', 'cluster.token_file']) {
    const setting = raw.get(key);
    if (setting && typeof setting.value === 'string' && !isAbsolute(setting.value)) {
      raw.set(key, { ...setting, value: resolve(dirname(path), setting.value) });
    }
  }
  return raw;
}

export function loadConfig(inputs: ConfigInputs): ServerConfig {
  const raw: RawConfig = new Map();
  const file = inputs.configFile ?? inputs.env.SWITCHYARD_CONFIG;
  if (file) for (const [key, setting] of readConfigFile(file)) raw.set(key, setting);
  for (const [variable, key] of Object.entries(ENVIRONMENT_KEYS)) {
    const value = inputs.env[variable];
    if (value !== undefined && value !== '') raw.set(key, { value, source: `environment ${variable}` });
  }
  for (const [key, value] of Object.entries(inputs.flags)) {
    if (value !== undefined) raw.set(key, { value, source: `flag --${key.replaceAll('_', '-').replaceAll('.', '-')}` });
  }
  resolveTokenFile(raw, inputs);
  return compileConfig(raw, inputs.cwd);
}

/**
 * `cluster.token_file` (flag, environment or file) becomes `cluster.token`, read from the file:
 * it wins over a token from a lower source; a token and a token file both given as flags is an error.
 */
function resolveTokenFile(raw: RawConfig, inputs: ConfigInputs): void {
  const file = raw.get('cluster.token_file');
  if (!file) return;
  raw.delete('cluster.token_file');
  const token = raw.get('cluster.token');
  if (token?.source.startsWith('flag') && file.source.startsWith('flag')) throw new ConfigError(['give --cluster-token or --cluster-token-file, not both']);
  if (typeof file.value !== 'string' || file.value === '') throw new ConfigError([`cluster.token_file (from ${file.source}): must be a path`]);
  const path = resolve(inputs.cwd, file.value);
  const { token: text, created } = readTokenFile(path, { create: inputs.createTokenFile ?? false });
  if (created && inputs.note) inputs.note.createdTokenFile = path;
  raw.set('cluster.token', { value: text, source: `${file.source} (file ${path})` });
}

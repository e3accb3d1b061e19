/**
 * Where configuration comes from, lowest precedence first: defaults, a YAML config file
 * (--config or SWITCHYARD_CONFIG), SWITCHYARD_* environment variables, command-line flags.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { readTokenFile } from './token-file.js';
import { CONFIG_KEYS, ConfigError, compileConfig, flattenConfigFile, type RawConfig, type ServerConfig } from '../core/config.js';
import { environmentName } from '../core/config-keys.js';

/**
 * Keys read here and resolved before compiling (`cluster.token_file` becomes `cluster.token`):
 * declared like the keys in core/config.ts, so the environment and docs/configuration.md follow.
 */
export const SOURCE_KEYS = {
  'cluster.token_file': { env: 'SWITCHYARD_CLUSTER_TOKEN_FILE', isPath: true, doc: 'A file holding cluster.token (created, random, mode 0600, when missing).' },
} as const;

/** Environment variable -> config key, derived from the declarations. */
export const ENVIRONMENT_KEYS: Readonly<Record<string, string>> = Object.fromEntries([
  ...[...CONFIG_KEYS].flatMap(([key, decl]): [string, string][] => {
    const variable = environmentName(key, decl);
    return variable === undefined ? [] : [[variable, key]];
  }),
  ...Object.entries(SOURCE_KEYS).map(([key, decl]): [string, string] => [decl.env, key]),
]);

/** Keys holding paths: in a config file they are relative to the file. */
const PATH_KEYS = [
  ...[...CONFIG_KEYS].filter(([, decl]) => decl.isPath).map(([key]) => key),
  ...Object.entries(SOURCE_KEYS).filter(([, decl]) => decl.isPath).map(([key]) => key),
];

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
  for (const key of PATH_KEYS) {
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

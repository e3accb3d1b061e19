/**
 * The `upstream` section of a model.yaml: which server a version fronts and how it is called.
 * Schema here, compiled to UpstreamSettings (core/upstream.ts) with defaults in one place.
 */
import type { OpenAiEndpoint, UpstreamProtocol, UpstreamSettings } from '../core/upstream.js';
import { TIERS, type Tier } from '../core/tiers.js';

/** Why these defaults: connects on loopback or a LAN take well under 2 s; a model call may take long. */
export const UPSTREAM_DEFAULTS = {
  hardwareClass: 'upstream',
  tier: 'onprem' as Tier,
  costPerHour: 0,
  connections: 64,
  connectTimeoutMs: 2_000,
  headersTimeoutMs: 60_000,
  bodyTimeoutMs: 60_000,
  maxResponseBytes: 64 * 1024 * 1024,
} as const;

const URL_PATTERN = '^https?://[^\\s?#]+$';

export const UPSTREAM_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['protocol'],
  properties: {
    protocol: { enum: ['oip', 'openai'] },
    url: { type: 'string', pattern: URL_PATTERN, maxLength: 2048 },
    urls: { type: 'array', minItems: 1, maxItems: 64, items: { type: 'string', pattern: URL_PATTERN, maxLength: 2048 } },
    model: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.:/@-]{0,255}$' },
    version: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' },
    endpoint: { enum: ['chat', 'completions', 'embeddings'] },
    options: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
    api_key_env: { type: 'string', pattern: '^[A-Z_][A-Z0-9_]{0,127}$' },
    hardware_class: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' },
    tier: { enum: TIERS },
    cost_per_hour: { type: 'number', minimum: 0, maximum: 100000 },
    connections: { type: 'integer', minimum: 1, maximum: 4096 },
    pass_batches: { type: 'boolean' },
    binary_data: { enum: ['auto', 'never'] },
    timeouts: {
      type: 'object',
      additionalProperties: false,
      properties: {
        connect_ms: { type: 'integer', minimum: 1, maximum: 600000 },
        headers_ms: { type: 'integer', minimum: 1, maximum: 3600000 },
        body_ms: { type: 'integer', minimum: 1, maximum: 3600000 },
      },
    },
    max_response_bytes: { type: 'integer', minimum: 1024, maximum: 1073741824 },
  },
} as const;

export interface RawUpstream {
  protocol: UpstreamProtocol;
  url?: string;
  urls?: string[];
  model?: string;
  version?: string;
  endpoint?: OpenAiEndpoint;
  options?: Record<string, string | number | boolean>;
  api_key_env?: string;
  hardware_class?: string;
  tier?: Tier;
  cost_per_hour?: number;
  connections?: number;
  pass_batches?: boolean;
  binary_data?: 'auto' | 'never';
  timeouts?: { connect_ms?: number; headers_ms?: number; body_ms?: number };
  max_response_bytes?: number;
}

export function compileUpstream(raw: RawUpstream, problems: string[]): UpstreamSettings {
  if ((raw.url === undefined) === (raw.urls === undefined)) problems.push('upstream needs exactly one of url or urls');
  if (raw.protocol === 'openai') {
    if (raw.endpoint === undefined) problems.push('upstream.endpoint (chat | completions | embeddings) is required for protocol openai');
    if (raw.version !== undefined) problems.push('upstream.version is only for protocol oip');
    if (raw.pass_batches !== undefined) problems.push('upstream.pass_batches is only for protocol oip');
    if (raw.binary_data !== undefined) problems.push('upstream.binary_data is only for protocol oip');
  } else {
    if (raw.endpoint !== undefined) problems.push('upstream.endpoint is only for protocol openai');
    if (raw.options !== undefined) problems.push('upstream.options is only for protocol openai');
  }
  const urls = (raw.urls ?? (raw.url === undefined ? [] : [raw.url])).map((u) => u.replace(/\/+$/, ''));
  return Object.freeze({
    protocol: raw.protocol,
    urls: Object.freeze(urls),
    model: raw.model,
    version: raw.version,
    endpoint: raw.endpoint,
    options: Object.freeze({ ...(raw.options ?? {}) }),
    apiKeyEnv: raw.api_key_env,
    hardwareClass: raw.hardware_class ?? UPSTREAM_DEFAULTS.hardwareClass,
    tier: raw.tier ?? UPSTREAM_DEFAULTS.tier,
    costPerHour: raw.cost_per_hour ?? UPSTREAM_DEFAULTS.costPerHour,
    connections: raw.connections ?? UPSTREAM_DEFAULTS.connections,
    passBatches: raw.pass_batches ?? false,
    binaryData: raw.binary_data ?? 'auto',
    connectTimeoutMs: raw.timeouts?.connect_ms ?? UPSTREAM_DEFAULTS.connectTimeoutMs,
    headersTimeoutMs: raw.timeouts?.headers_ms ?? UPSTREAM_DEFAULTS.headersTimeoutMs,
    bodyTimeoutMs: raw.timeouts?.body_ms ?? UPSTREAM_DEFAULTS.bodyTimeoutMs,
    maxResponseBytes: raw.max_response_bytes ?? UPSTREAM_DEFAULTS.maxResponseBytes,
  });
}

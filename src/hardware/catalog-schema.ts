/**
 * The shape of hardware/catalog.yaml and of an operator's override file, as JSON Schema.
 * Keys are snake_case as written in YAML; unknown keys are errors so a typo never falls back
 * to a default silently.
 */
import { TIERS } from '../core/tiers.js';

/** Class ids are stable and lowercase: `h200`, `jetson-orin`, `cpu-x86`. */
export const CLASS_ID_PATTERN = '^[a-z0-9][a-z0-9-]{0,63}$';

const text = { type: 'string', minLength: 1 } as const;

function figure(extra: Record<string, object> = {}): object {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['value', 'source', 'as_of', ...Object.keys(extra)],
    properties: {
      value: { type: 'number', exclusiveMinimum: 0 },
      // Why a minimum: "datasheet" alone names no document.
      source: { type: 'string', minLength: 12 },
      as_of: { type: 'string', pattern: '^\\d{4}(-\\d{2}){0,2}$' },
      note: text,
      ...extra,
    },
  };
}

export const FIGURE_KEYS = ['memory_bytes', 'memory_bandwidth_bytes_per_s', 'peak_dense_tflops', 'tdp_watts', 'price_usd_per_hour'] as const;

const CLASS_PROPERTIES = {
  label: text,
  kind: { enum: ['cpu', 'gpu', 'accelerator', 'soc'] },
  vendor: text,
  reference: text,
  default_tier: { enum: TIERS },
  match: {
    type: 'object',
    additionalProperties: false,
    properties: {
      kind: { enum: ['cpu', 'gpu', 'accelerator', 'soc'] },
      vendor: text,
      names: { type: 'array', minItems: 1, items: text },
      architectures: { type: 'array', minItems: 1, items: text },
    },
  },
  memory_bytes: figure(),
  memory_bandwidth_bytes_per_s: figure(),
  peak_dense_tflops: figure({ precision: { enum: ['fp32', 'tf32', 'fp16', 'bf16', 'fp8', 'int8'] } }),
  tdp_watts: figure(),
  price_usd_per_hour: figure({ basis: { enum: ['on-demand cloud', 'reserved cloud', 'spot cloud', 'amortised'] } }),
};

export const CLASS_REQUIRED = ['label', 'kind', 'vendor', 'reference', 'match', ...FIGURE_KEYS] as const;

/** One complete class, as the built-in catalog and an operator's new class must give it. */
export const CLASS_SCHEMA = { type: 'object', additionalProperties: false, required: [...CLASS_REQUIRED], properties: CLASS_PROPERTIES };

/** The built-in catalog. */
export const CATALOG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['version', 'classes'],
  properties: {
    version: { const: 1 },
    classes: { type: 'object', minProperties: 1, propertyNames: { pattern: CLASS_ID_PATTERN }, additionalProperties: CLASS_SCHEMA },
  },
};

/** An override: any subset of a known class's keys (each key replaces the built-in one whole), or a new class in full. */
export const OVERRIDE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['classes'],
  properties: {
    version: { const: 1 },
    classes: {
      type: 'object',
      propertyNames: { pattern: CLASS_ID_PATTERN },
      additionalProperties: { type: 'object', additionalProperties: false, properties: CLASS_PROPERTIES },
    },
  },
};

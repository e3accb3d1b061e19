/**
 * The model config (`model.yaml` in each version folder): parsed, validated against one
 * schema, then checked for what a schema cannot say (unique names, batch axes that exist).
 */
import { parse as parseYaml } from 'yaml';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { Datatype } from '../core/datatypes.js';
import type { LatencyClass, ModelContract, TensorSpec } from '../core/contract.js';
import { ONNX_SESSION_PROPERTIES, type ExecutionProvider } from '../core/config.js';
import { RAW_SLO_SCHEMA, type RawSlo } from '../telemetry/slo/objective.js';
import type { UpstreamSettings } from '../core/upstream.js';
import { compileUpstream, UPSTREAM_SCHEMA, type RawUpstream } from './upstream-config.js';

export interface ModelVersionConfig {
  readonly description: string;
  readonly backend: 'onnx' | 'upstream';
  /** File name of the artifact inside the version folder; empty for an upstream (it has none). */
  readonly artifact: string;
  /** Pinned `sha256:<hex>` of the artifact, when the config pins one. */
  readonly digest: string | undefined;
  readonly latencyClass: LatencyClass;
  readonly contract: ModelContract;
  readonly batching: {
    readonly policy: 'adaptive' | 'fixed';
    readonly preferredBatchSizes: readonly number[];
    readonly maxQueueDelayMs: { readonly realtime: number; readonly throughput: number };
  };
  readonly onnx: { readonly executionProvider: ExecutionProvider | undefined; readonly intraOpThreads: number | undefined };
  readonly metadata: Readonly<Record<string, string | number | boolean>>;
  /** The `slo` block: one SLO per latency class, compiled by the server once it knows the model and version. */
  readonly slos: readonly RawSlo[];
  /** Set exactly when `backend` is `upstream`. */
  readonly upstream: UpstreamSettings | undefined;
  /** Where replicas go in a cluster (docs/cluster.md); each member falls back to the cluster's defaults. */
  readonly placement: {
    readonly replicas: number | undefined;
    readonly memoryBytes: number | undefined;
    readonly hardwareClasses: readonly string[] | undefined;
    readonly tiers: readonly ('edge' | 'onprem' | 'cloud')[] | undefined;
  };
}

const TENSOR_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'datatype', 'shape'],
  properties: {
    name: { type: 'string', pattern: '^[A-Za-z0-9_.:/-]{1,128}$' },
    datatype: { enum: ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'] },
    shape: { type: 'array', maxItems: 16, items: { type: 'integer', minimum: -1, maximum: 2147483647, not: { const: 0 } } },
    batch_axis: { type: 'integer', minimum: 0, maximum: 15 },
    description: { type: 'string' },
  },
} as const;

export const MODEL_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['backend', 'inputs', 'outputs'],
  properties: {
    description: { type: 'string' },
    backend: { enum: ['onnx', 'upstream'] },
    // A bare file name: no separators, no `..`, so it cannot point outside its folder.
    artifact: { type: 'string', pattern: '^(?!\\.\\.?$)[A-Za-z0-9_.-]{1,255}$' },
    digest: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' },
    latency_class: { enum: ['realtime', 'throughput'] },
    max_batch_size: { type: 'integer', minimum: 0, maximum: 65536 },
    inputs: { type: 'array', minItems: 1, maxItems: 256, items: TENSOR_SCHEMA },
    outputs: { type: 'array', minItems: 1, maxItems: 256, items: TENSOR_SCHEMA },
    batching: {
      type: 'object',
      additionalProperties: false,
      properties: {
        policy: { enum: ['adaptive', 'fixed'] },
        preferred_batch_sizes: { type: 'array', maxItems: 32, items: { type: 'integer', minimum: 1, maximum: 65536 } },
        max_queue_delay_ms: {
          type: 'object',
          additionalProperties: false,
          properties: {
            realtime: { type: 'number', minimum: 0, maximum: 60000 },
            throughput: { type: 'number', minimum: 0, maximum: 60000 },
          },
        },
      },
    },
    onnx: {
      type: 'object',
      additionalProperties: false,
      properties: ONNX_SESSION_PROPERTIES,
    },
    metadata: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
    // One SLO, or a list of them (one per latency class).
    slo: { anyOf: [RAW_SLO_SCHEMA, { type: 'array', maxItems: 2, items: RAW_SLO_SCHEMA }] },
    upstream: UPSTREAM_SCHEMA,
    placement: {
      type: 'object',
      additionalProperties: false,
      properties: {
        replicas: { type: 'integer', minimum: 1, maximum: 1000 },
        memory_mib: { type: 'integer', minimum: 1, maximum: 16777216 },
        hardware_classes: { type: 'array', minItems: 1, maxItems: 64, items: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' } },
        tiers: { type: 'array', minItems: 1, maxItems: 3, items: { enum: ['edge', 'onprem', 'cloud'] } },
      },
    },
  },
} as const;

export class ModelConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
    this.name = 'ModelConfigError';
  }
}

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
const validate = ajv.compile(MODEL_CONFIG_SCHEMA);

interface RawTensor {
  name: string;
  datatype: Datatype;
  shape: number[];
  batch_axis?: number;
  description?: string;
}

interface RawModelConfig {
  description?: string;
  backend: 'onnx' | 'upstream';
  artifact?: string;
  digest?: string;
  latency_class?: LatencyClass;
  max_batch_size?: number;
  inputs: RawTensor[];
  outputs: RawTensor[];
  batching?: { policy?: 'adaptive' | 'fixed'; preferred_batch_sizes?: number[]; max_queue_delay_ms?: { realtime?: number; throughput?: number } };
  onnx?: { execution_provider?: ExecutionProvider; intra_op_threads?: number };
  metadata?: Record<string, string | number | boolean>;
  slo?: RawSlo | RawSlo[];
  upstream?: RawUpstream;
  placement?: { replicas?: number; memory_mib?: number; hardware_classes?: string[]; tiers?: ('edge' | 'onprem' | 'cloud')[] };
}

function compileTensors(kind: 'inputs' | 'outputs', raw: RawTensor[], maxBatchSize: number, problems: string[]): TensorSpec[] {
  const seen = new Set<string>();
  return raw.map((t, index) => {
    if (seen.has(t.name)) problems.push(`${kind}[${index}]: duplicate name '${t.name}'`);
    seen.add(t.name);
    if (t.batch_axis !== undefined) {
      if (maxBatchSize === 0) problems.push(`${kind}[${index}] '${t.name}': batch_axis set but max_batch_size is 0`);
      if (t.batch_axis >= t.shape.length) problems.push(`${kind}[${index}] '${t.name}': batch_axis ${t.batch_axis} is outside a shape of rank ${t.shape.length}`);
      else if (t.shape[t.batch_axis] !== -1) problems.push(`${kind}[${index}] '${t.name}': the batch axis must be -1 in shape`);
    }
    return Object.freeze({
      name: t.name,
      datatype: t.datatype,
      shape: Object.freeze([...t.shape]),
      batchAxis: t.batch_axis,
      description: t.description,
    });
  });
}

/** Parses the text of a model.yaml; throws ModelConfigError naming every problem. */
export function parseModelConfig(text: string): ModelVersionConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 16 });
  } catch (error) {
    throw new ModelConfigError([`not valid YAML: ${(error as Error).message.split('\n')[0]}`]);
  }
  if (!validate(doc)) {
    throw new ModelConfigError(
      (validate.errors ?? []).map((e) => {
        const where = e.instancePath.replace(/^\//, '').replaceAll('/', '.') || 'model.yaml';
        const detail = e.keyword === 'additionalProperties'
          ? `unknown key '${String((e.params as { additionalProperty: string }).additionalProperty)}'`
          : e.keyword === 'enum'
            ? `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(' | ')}`
            : (e.message ?? 'is invalid');
        return `${where}: ${detail}`;
      }),
    );
  }
  const raw = doc as unknown as RawModelConfig;
  const problems: string[] = [];
  const maxBatchSize = raw.max_batch_size ?? 0;
  const inputs = compileTensors('inputs', raw.inputs, maxBatchSize, problems);
  const outputs = compileTensors('outputs', raw.outputs, maxBatchSize, problems);
  const slos = raw.slo === undefined ? [] : Array.isArray(raw.slo) ? raw.slo : [raw.slo];
  const classes = slos.map((slo) => slo.latency_class ?? raw.latency_class ?? 'realtime');
  if (new Set(classes).size !== classes.length) problems.push(`slo: two SLOs for latency class ${classes.join(', ')}; give each its own latency_class`);
  // Why in code, not the schema: the messages say what each backend needs in plain words.
  if (raw.backend === 'onnx') {
    if (raw.artifact === undefined) problems.push("backend onnx needs 'artifact' (the .onnx file in this folder)");
    if (raw.upstream !== undefined) problems.push("'upstream' is only for backend upstream");
  } else {
    if (raw.artifact !== undefined || raw.digest !== undefined) problems.push("backend upstream has no artifact: remove 'artifact' and 'digest'");
    if (raw.onnx !== undefined) problems.push("'onnx' settings do not apply to backend upstream");
    if (raw.upstream === undefined) problems.push("backend upstream needs an 'upstream' section (protocol and url)");
  }
  const upstream = raw.backend === 'upstream' && raw.upstream ? compileUpstream(raw.upstream, problems) : undefined;
  if (problems.length > 0) throw new ModelConfigError(problems);
  return Object.freeze({
    description: raw.description ?? '',
    backend: raw.backend,
    artifact: raw.artifact ?? '',
    digest: raw.digest,
    latencyClass: raw.latency_class ?? 'realtime',
    contract: Object.freeze({ inputs: Object.freeze(inputs), outputs: Object.freeze(outputs), maxBatchSize }),
    // Why these defaults: realtime never waits to fill a batch; throughput may wait up to 5 ms.
    batching: Object.freeze({
      policy: raw.batching?.policy ?? 'adaptive',
      preferredBatchSizes: Object.freeze([...(raw.batching?.preferred_batch_sizes ?? [])]),
      maxQueueDelayMs: Object.freeze({ realtime: raw.batching?.max_queue_delay_ms?.realtime ?? 0, throughput: raw.batching?.max_queue_delay_ms?.throughput ?? 5 }),
    }),
    onnx: Object.freeze({ executionProvider: raw.onnx?.execution_provider, intraOpThreads: raw.onnx?.intra_op_threads }),
    metadata: Object.freeze({ ...(raw.metadata ?? {}) }),
    slos: Object.freeze(slos.map((slo) => Object.freeze({ ...slo }))),
    upstream,
    placement: Object.freeze({
      replicas: raw.placement?.replicas,
      memoryBytes: raw.placement?.memory_mib === undefined ? undefined : raw.placement.memory_mib * 1024 * 1024,
      hardwareClasses: raw.placement?.hardware_classes && Object.freeze([...raw.placement.hardware_classes]),
      tiers: raw.placement?.tiers && Object.freeze([...raw.placement.tiers]),
    }),
  });
}

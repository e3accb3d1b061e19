/**
 * The model config (`model.yaml` in each version folder): parsed, validated against one
 * schema, then checked for what a schema cannot say (unique names, batch axes that exist).
 */
import { parse as parseYaml } from 'yaml';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { Datatype } from '../core/datatypes.js';
import type { LatencyClass, ModelContract, TensorSpec } from '../core/contract.js';
import { ONNX_SESSION_PROPERTIES, type ExecutionProvider } from '../core/config.js';

export interface ModelVersionConfig {
  readonly description: string;
  readonly backend: 'onnx';
  /** File name of the artifact inside the version folder. */
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
  required: ['backend', 'artifact', 'inputs', 'outputs'],
  properties: {
    description: { type: 'string' },
    backend: { enum: ['onnx'] },
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
  backend: 'onnx';
  artifact: string;
  digest?: string;
  latency_class?: LatencyClass;
  max_batch_size?: number;
  inputs: RawTensor[];
  outputs: RawTensor[];
  batching?: { policy?: 'adaptive' | 'fixed'; preferred_batch_sizes?: number[]; max_queue_delay_ms?: { realtime?: number; throughput?: number } };
  onnx?: { execution_provider?: ExecutionProvider; intra_op_threads?: number };
  metadata?: Record<string, string | number | boolean>;
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
  if (problems.length > 0) throw new ModelConfigError(problems);
  return Object.freeze({
    description: raw.description ?? '',
    backend: raw.backend,
    artifact: raw.artifact,
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
    placement: Object.freeze({
      replicas: raw.placement?.replicas,
      memoryBytes: raw.placement?.memory_mib === undefined ? undefined : raw.placement.memory_mib * 1024 * 1024,
      hardwareClasses: raw.placement?.hardware_classes && Object.freeze([...raw.placement.hardware_classes]),
      tiers: raw.placement?.tiers && Object.freeze([...raw.placement.tiers]),
    }),
  });
}

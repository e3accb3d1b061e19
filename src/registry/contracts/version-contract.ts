/**
 * A registry version's contract: input and output tensor specs (as in model.yaml) plus an
 * optional JSON Schema (2020-12) for the request `parameters`. Parsed from untrusted JSON
 * once, with every problem named.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { SwitchyardError } from '../../core/errors.js';
import type { Datatype } from '../../core/datatypes.js';
import { TENSOR_SPEC_PROPERTIES } from '../model-config.js';
import { describeSchemaErrors } from '../../core/schema-errors.js';

export interface ContractTensor {
  readonly name: string;
  readonly datatype: Datatype;
  /** -1 marks a variable dimension. */
  readonly shape: readonly number[];
  /** Inputs only: a caller may leave it out. @default false */
  readonly optional: boolean;
}

export interface VersionContract {
  readonly inputs: readonly ContractTensor[];
  readonly outputs: readonly ContractTensor[];
  /** 0 = not batchable. */
  readonly maxBatchSize: number;
  /** JSON Schema of the request parameters object, when the version declares one. */
  readonly parameters: Readonly<Record<string, unknown>> | undefined;
}

const TENSOR = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'datatype', 'shape'],
  properties: {
    ...TENSOR_SPEC_PROPERTIES,
    optional: { type: 'boolean' },
  },
} as const;

export const CONTRACT_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['inputs', 'outputs'],
  properties: {
    inputs: { type: 'array', minItems: 1, maxItems: 256, items: TENSOR },
    outputs: { type: 'array', minItems: 1, maxItems: 256, items: TENSOR },
    max_batch_size: { type: 'integer', minimum: 0, maximum: 65536 },
    parameters: { type: 'object' },
  },
} as const;

const ajv = new Ajv2020({ allErrors: true, strict: true });
const validate = ajv.compile(CONTRACT_SCHEMA);
/** Why: a parameters schema is a small document; this bounds what an admin call can make us compile. */
const MAX_PARAMETERS_SCHEMA_CHARS = 64 * 1024;

interface RawTensor { name: string; datatype: Datatype; shape: number[]; optional?: boolean }
interface RawContract { inputs: RawTensor[]; outputs: RawTensor[]; max_batch_size?: number; parameters?: Record<string, unknown> }

const invalid = (problems: string[]): SwitchyardError => new SwitchyardError('CONTRACT_INVALID', `invalid contract: ${problems.join('; ')}`);

export function parseContract(value: unknown): VersionContract {
  if (!validate(value)) {
    throw invalid(describeSchemaErrors(validate.errors, 'contract').slice(0, 20));
  }
  const raw = value as unknown as RawContract;
  const problems: string[] = [];
  for (const kind of ['inputs', 'outputs'] as const) {
    const names = new Set<string>();
    for (const t of raw[kind]) {
      if (names.has(t.name)) problems.push(`${kind}: duplicate name '${t.name}'`);
      names.add(t.name);
      if (kind === 'outputs' && t.optional) problems.push(`outputs '${t.name}': only inputs can be optional`);
    }
  }
  if (raw.parameters !== undefined) {
    if (JSON.stringify(raw.parameters).length > MAX_PARAMETERS_SCHEMA_CHARS) problems.push(`parameters: schema over ${MAX_PARAMETERS_SCHEMA_CHARS} characters`);
    else {
      try {
        new Ajv2020({ strict: false }).compile(raw.parameters);
      } catch (error) {
        problems.push(`parameters: not a valid JSON Schema (${(error as Error).message.split('\n')[0] ?? ''})`);
      }
    }
  }
  if (problems.length > 0) throw invalid(problems);
  const tensor = (t: RawTensor): ContractTensor => ({ name: t.name, datatype: t.datatype, shape: [...t.shape], optional: t.optional ?? false });
  return {
    inputs: raw.inputs.map(tensor),
    outputs: raw.outputs.map(tensor),
    maxBatchSize: raw.max_batch_size ?? 0,
    parameters: raw.parameters,
  };
}

/** The JSON form stored and returned by the API (the same keys `parseContract` reads). */
export function contractToJson(contract: VersionContract): Record<string, unknown> {
  const tensor = (t: ContractTensor): Record<string, unknown> => ({ name: t.name, datatype: t.datatype, shape: t.shape, ...(t.optional ? { optional: true } : {}) });
  return {
    inputs: contract.inputs.map(tensor),
    outputs: contract.outputs.map(tensor),
    max_batch_size: contract.maxBatchSize,
    ...(contract.parameters ? { parameters: contract.parameters } : {}),
  };
}

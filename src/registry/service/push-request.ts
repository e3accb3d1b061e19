/**
 * What a push carries besides the artifact, read from untrusted JSON with every problem named:
 * the contract, lineage, model card, declared breaking change, signature and evaluations.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { SwitchyardError } from '../../core/errors.js';
import type { ManifestSignature } from '../artifacts/signatures.js';
import type { Lineage } from '../storage/rows.js';
import { describeSchemaErrors } from '../../core/schema-errors.js';

export interface PushMetadata {
  readonly contract: unknown;
  readonly breaking: boolean;
  readonly lineage: Lineage;
  readonly card: string;
  readonly description: string;
  readonly signature: ManifestSignature | undefined;
  readonly evaluations: readonly EvaluationInput[];
}

export interface EvaluationInput {
  readonly dataset: string;
  readonly metrics: Readonly<Record<string, number>>;
}

const EVALUATION = {
  type: 'object',
  additionalProperties: false,
  required: ['dataset', 'metrics'],
  properties: {
    dataset: { type: 'string', minLength: 1, maxLength: 256 },
    metrics: { type: 'object', maxProperties: 64, propertyNames: { maxLength: 128, minLength: 1 }, additionalProperties: { type: 'number' } },
  },
} as const;

export const PUSH_METADATA_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['contract'],
  properties: {
    contract: { type: 'object' },
    breaking: { type: 'boolean' },
    description: { type: 'string', maxLength: 4096 },
    card: { type: 'string', maxLength: 262144 },
    lineage: {
      type: 'object',
      additionalProperties: false,
      properties: {
        training_data_digest: { type: 'string', maxLength: 256 },
        training_data_location: { type: 'string', maxLength: 2048 },
        parent_version: { type: 'string', pattern: '^[1-9][0-9]{0,8}$' },
        code_revision: { type: 'string', maxLength: 256 },
        hyperparameters: { type: 'object', maxProperties: 256 },
      },
    },
    signature: {
      type: 'object',
      additionalProperties: false,
      required: ['key_id', 'signature'],
      properties: { key_id: { type: 'string', minLength: 1, maxLength: 128 }, signature: { type: 'string', maxLength: 256 } },
    },
    evaluations: { type: 'array', maxItems: 64, items: EVALUATION },
  },
} as const;

export const EVALUATION_SCHEMA = EVALUATION;

const ajv = new Ajv2020({ allErrors: true, strict: true });
const validatePush = ajv.compile(PUSH_METADATA_SCHEMA);
const validateEvaluation = ajv.compile(EVALUATION);

interface RawPush {
  contract: unknown;
  breaking?: boolean;
  description?: string;
  card?: string;
  lineage?: { training_data_digest?: string; training_data_location?: string; parent_version?: string; code_revision?: string; hyperparameters?: Lineage['hyperparameters'] };
  signature?: { key_id: string; signature: string };
  evaluations?: EvaluationInput[];
}

function problems(errors: typeof validatePush.errors, what: string): SwitchyardError {
  const list = describeSchemaErrors(errors, what).slice(0, 10);
  return new SwitchyardError('INVALID_REQUEST', `invalid ${what}: ${list.join('; ')}`);
}

export function parsePushMetadata(value: unknown): PushMetadata {
  if (!validatePush(value)) throw problems(validatePush.errors, 'push metadata');
  const raw = value as unknown as RawPush;
  const l = raw.lineage ?? {};
  const lineage: Lineage = {
    ...(l.training_data_digest !== undefined ? { trainingDataDigest: l.training_data_digest } : {}),
    ...(l.training_data_location !== undefined ? { trainingDataLocation: l.training_data_location } : {}),
    ...(l.parent_version !== undefined ? { parentVersion: l.parent_version } : {}),
    ...(l.code_revision !== undefined ? { codeRevision: l.code_revision } : {}),
    ...(l.hyperparameters !== undefined ? { hyperparameters: l.hyperparameters } : {}),
  };
  return {
    contract: raw.contract,
    breaking: raw.breaking ?? false,
    lineage,
    card: raw.card ?? '',
    description: raw.description ?? '',
    signature: raw.signature ? { keyId: raw.signature.key_id, signature: raw.signature.signature } : undefined,
    evaluations: raw.evaluations ?? [],
  };
}

export function parseEvaluation(value: unknown): EvaluationInput {
  if (!validateEvaluation(value)) throw problems(validateEvaluation.errors, 'evaluation');
  return value;
}

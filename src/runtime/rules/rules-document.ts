/**
 * The declarative rules a `rules` backend runs, as a JSON document (the artifact of a
 * `backend: rules` model, or the file a `kind: rules` fallback names). Validated once at load
 * against one schema and then against the contract the rules must answer.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describeSchemaErrors } from '../../core/schema-errors.js';

/** VADER's lexicon scores of one text: a BYTES input -> one FP32 row of the named scores. */
export interface SentimentRules {
  readonly kind: 'vader-sentiment';
  readonly input: string;
  readonly output: string;
  /** Which of neg, neu, pos, compound, in which order, fill the output row. */
  readonly scores: readonly ('neg' | 'neu' | 'pos' | 'compound')[];
}

export interface Condition {
  readonly feature: string;
  readonly above?: number;
  readonly below?: number;
}

/** Threshold rules on the columns of a numeric [-1, k] input: the first rule whose conditions all hold answers. */
export interface ThresholdRules {
  readonly kind: 'thresholds';
  readonly input: string;
  /** Column names of the input, in order. */
  readonly features: readonly string[];
  readonly rules: readonly { readonly name: string; readonly when: readonly Condition[]; readonly outputs: Readonly<Record<string, readonly number[]>> }[];
  readonly default: Readonly<Record<string, readonly number[]>>;
}

export type RulesDocument = SentimentRules | ThresholdRules;

const ROW = { type: 'object', minProperties: 1, additionalProperties: { type: 'array', minItems: 1, maxItems: 4096, items: { type: 'number' } } } as const;

const SCHEMA = {
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'input', 'output', 'scores'],
      properties: {
        kind: { const: 'vader-sentiment' },
        description: { type: 'string' },
        input: { type: 'string' },
        output: { type: 'string' },
        scores: { type: 'array', minItems: 1, maxItems: 4, uniqueItems: true, items: { enum: ['neg', 'neu', 'pos', 'compound'] } },
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'input', 'features', 'rules', 'default'],
      properties: {
        kind: { const: 'thresholds' },
        description: { type: 'string' },
        input: { type: 'string' },
        features: { type: 'array', minItems: 1, maxItems: 4096, items: { type: 'string' } },
        rules: {
          type: 'array',
          maxItems: 1024,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'when', 'outputs'],
            properties: {
              name: { type: 'string' },
              when: {
                type: 'array',
                minItems: 1,
                maxItems: 64,
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['feature'],
                  minProperties: 2,
                  properties: { feature: { type: 'string' }, above: { type: 'number' }, below: { type: 'number' } },
                },
              },
              outputs: ROW,
            },
          },
        },
        default: ROW,
      },
    },
  ],
} as const;

const validate = new Ajv2020({ allErrors: true, strict: true }).compile<RulesDocument>(SCHEMA);

export class RulesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RulesError';
  }
}

/** Parses and validates a rules document; throws RulesError naming what is wrong. */
export function parseRulesDocument(bytes: Uint8Array, name: string): RulesDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new RulesError(`rules ${name}: not valid JSON`);
  }
  if (!validate(doc)) {
    const problems = describeSchemaErrors(validate.errors, 'document');
    throw new RulesError(`rules ${name}: ${[...new Set(problems)].join('; ')}`);
  }
  return doc;
}

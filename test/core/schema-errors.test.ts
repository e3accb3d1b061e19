import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describeSchemaErrors } from '../../src/core/schema-errors.js';

const validate = new Ajv2020({ allErrors: true }).compile({
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: { name: { type: 'string' }, tier: { enum: ['edge', 'cloud'] }, items: { type: 'array', items: { type: 'integer' } } },
});

test('schema errors read as dotted key paths with the problem in words', () => {
  assert.equal(validate({ tier: 'moon', items: [1, 'x'], extra: 1 }), false);
  assert.deepEqual(describeSchemaErrors(validate.errors, 'body').sort(), [
    "body: must have required property 'name'",
    "body: unknown key 'extra'",
    'items.1: must be integer',
    'tier: must be one of edge | cloud',
  ]);
  assert.deepEqual(describeSchemaErrors(undefined, 'body'), []);
});

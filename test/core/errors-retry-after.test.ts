import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { ERROR_CATALOGUE, SwitchyardError, type ErrorCode, type ErrorDefinition } from '../../src/core/errors.js';
import { sendError } from '../../src/gateway/error-reply.js';

const entries = Object.entries(ERROR_CATALOGUE) as [ErrorCode, ErrorDefinition][];

test('every 429 and 503 in the catalogue has a default Retry-After of at least one second; no other code has one', () => {
  for (const [code, definition] of entries) {
    if (definition.status === 429 || definition.status === 503) assert.ok((definition.retryAfterSeconds ?? 0) >= 1, `${code} needs a default retryAfterSeconds`);
    else assert.equal(definition.retryAfterSeconds, undefined, `${code} is a ${definition.status}: no Retry-After`);
  }
});

test('sendError gives an error raised without a hint its code default, and keeps a hint it has', async () => {
  const app = Fastify();
  app.get('/:code', (request, reply) => {
    const { code } = request.params as { code: ErrorCode };
    const hinted = (request.query as { hint?: string }).hint;
    return sendError(reply, new SwitchyardError(code, 'refused', hinted === undefined ? {} : { retryAfterSeconds: Number(hinted) }));
  });
  for (const [code, definition] of entries) {
    const plain = await app.inject({ url: `/${code}` });
    assert.equal(plain.statusCode, definition.status);
    assert.equal(plain.headers['retry-after'], definition.retryAfterSeconds === undefined ? undefined : String(definition.retryAfterSeconds), code);
  }
  const hinted = await app.inject({ url: '/OVERLOADED?hint=7' });
  assert.equal(hinted.headers['retry-after'], '7');
  await app.close();
});

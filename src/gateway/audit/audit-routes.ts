/** /v1/audit: read the hash-chained audit log page by page, and its head (for export and later verify). */
import type { FastifyInstance } from 'fastify';
import type { AuditRow, Role } from '../../registry/storage/rows.js';
import type { Storage } from '../../registry/storage/storage.js';
import { invalid } from '../auth/body-checks.js';

const READERS: Role[] = ['admin', 'viewer'];

const parseJson = (text: string | null): unknown => (text === null ? null : JSON.parse(text));

/** Stored JSON texts are returned parsed; `hash` still covers the stored text (see docs/security.md). */
export function publicAuditRow(row: AuditRow) {
  return { seq: row.seq, at: row.at, actor: row.actor, action: row.action, target: row.target, before: parseJson(row.before), after: parseJson(row.after), detail: parseJson(row.detail), prev_hash: row.prevHash, hash: row.hash };
}

function integerParam(value: unknown, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw invalid(`'${name}' must be an integer from ${min} to ${max}`);
  return n;
}

export function registerAuditRoutes(app: FastifyInstance, deps: { readonly storage: Storage }): void {
  app.get<{ Querystring: Record<string, unknown> }>('/v1/audit', { config: { roles: READERS } }, async (request) => {
    const after = integerParam(request.query.after, 'after', 0, Number.MAX_SAFE_INTEGER, 0);
    const limit = integerParam(request.query.limit, 'limit', 1, 1000, 100);
    const page = await deps.storage.listAudit(after, limit);
    return { entries: page.rows.map(publicAuditRow), next_after: page.nextAfterSeq };
  });

  app.get('/v1/audit/head', { config: { roles: READERS } }, async () => deps.storage.auditHead());
}

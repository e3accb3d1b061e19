/** Streams the whole audit log page by page, so verify and export never hold it all in memory. */
import type { AuditRow } from '../storage/rows.js';
import type { Storage } from '../storage/storage.js';

export async function* auditRows(storage: Storage, pageSize = 1000): AsyncGenerator<AuditRow> {
  let after = 0;
  for (;;) {
    const page = await storage.listAudit(after, pageSize);
    yield* page.rows;
    if (page.nextAfterSeq === null) return;
    after = page.nextAfterSeq;
  }
}

/**
 * At start, the SLOs set through the admin API (stored by slo-routes.ts) are applied over the
 * model.yaml ones of the same id, so a change made through /v1/slos survives a restart. An
 * override whose version no longer serves, or that no longer validates, is skipped with a
 * warning rather than stopping start-up: the version's own SLO still applies.
 */
import type { Storage } from '../../registry/storage/storage.js';
import type { Logger } from '../../telemetry/logger.js';
import { compileSlo } from '../../telemetry/slo/objective.js';
import type { SloBook } from '../../telemetry/slo/slo-book.js';
import type { ModelCatalog } from '../../serving/model-catalog.js';
import { validateRaw } from './slo-routes.js';

/** Applies every stored override whose version is READY; returns the ids applied. */
export async function applyStoredSlos(storage: Storage, book: SloBook, catalog: ModelCatalog, log: Logger): Promise<string[]> {
  const applied: string[] = [];
  for (const row of await storage.listSloOverrides()) {
    const served = catalog.get(row.model, row.version);
    if (served?.state !== 'READY') {
      log.warn({ slo: row.id }, `stored SLO ${row.id} not applied: ${row.model} version ${row.version} is not serving`);
      continue;
    }
    const raw: unknown = row.objective;
    if (!validateRaw(raw)) {
      log.warn({ slo: row.id, errors: validateRaw.errors }, `stored SLO ${row.id} not applied: it no longer validates`);
      continue;
    }
    book.set(compileSlo(row.model, row.version, served.config?.latencyClass ?? 'realtime', raw));
    applied.push(row.id);
  }
  if (applied.length > 0) log.info({ slos: applied }, 'SLOs set through the admin API applied over model.yaml');
  return applied;
}

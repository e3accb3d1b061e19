/** Builds an in-process server over a model repository, as main/ does, for inject() tests. */
import { compileConfig, type RawConfig } from '../../src/core/config.js';
import { createServer, type EmbeddedServer } from '../../src/main/server.js';
import type { Clock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function startTestServer(repository: string, settings: Record<string, unknown> = {}, clock?: Clock): Promise<EmbeddedServer> {
  const raw: RawConfig = new Map([
    ['model_repository', { value: repository, source: 'test' }],
    ['data_dir', { value: mkdtempSync(join(tmpdir(), 'switchyard-data-')), source: 'test' }],
    ['log_level', { value: 'silent', source: 'test' }],
  ]);
  for (const [key, value] of Object.entries(settings)) raw.set(key, { value, source: 'test' });
  const config = compileConfig(raw, process.cwd());
  return createServer({ config, log: silentLogger(), processMetrics: false, ...(clock ? { clock } : {}) });
}

export const DEMO_REPOSITORY = new URL('../../models', import.meta.url).pathname;

/** The admin key the test server created on first start, as request headers for /v1 routes. */
export function adminHeaders(server: { readonly initialAdminKey: string | undefined }): Record<string, string> {
  return { authorization: `Bearer ${server.initialAdminKey ?? ''}` };
}

/**
 * The full Switchyard server (fastify gateway, contract validation, ONNX sessions in worker
 * threads, metadata headers, Server-Timing, traceparent, Prometheus metrics), built exactly as
 * `switchyard up` builds it, over a temporary repository holding only the named models. It runs
 * the compiled dist/ that `npm start` runs (`npm run bench` builds it first).
 *
 *   node --import tsx bench/servers/full.ts [--scratch DIR] [--repository REPO] identity sensor-anomaly  -> prints {"port":N}
 *
 * DIR (default: a new temporary folder) holds the repository copy and the data folder; the
 * benchmark passes one it owns, so it is removed even when this process is killed. With
 * `--repository REPO` the server serves REPO as it is (the benchmark built it) instead of a
 * copy of the demo models; the named models must be in it.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as ConfigModule from '../../src/core/config.js';
import type { RawConfig } from '../../src/core/config.js';
import type * as ServerModule from '../../src/main/server.js';
import type * as LoggerModule from '../../src/telemetry/logger.js';
import type * as ConfigSourcesModule from '../../src/main/config-sources.js';
import { announceAndServe, logEventLoopDelay, modelNames, MODELS_DIR } from './lifecycle.js';
import { loadBuilt } from './built.js';

// The server as `npm start` runs it: the compiled dist/, not tsx's transform of the sources.
const { compileConfig } = await loadBuilt<typeof ConfigModule>('core/config.js');
const { createServer } = await loadBuilt<typeof ServerModule>('main/server.js');
const { createLogger } = await loadBuilt<typeof LoggerModule>('telemetry/logger.js');
const { ENVIRONMENT_KEYS } = await loadBuilt<typeof ConfigSourcesModule>('main/config-sources.js');

const argv = process.argv.slice(2);
const scratchAt = argv.indexOf('--scratch');
const given = scratchAt >= 0 ? argv.splice(scratchAt, 2)[1] : undefined;
const repositoryAt = argv.indexOf('--repository');
const prebuilt = repositoryAt >= 0 ? argv.splice(repositoryAt, 2)[1] : undefined;
const models = modelNames(argv);
const scratch = given ?? mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
mkdirSync(scratch, { recursive: true });
const repository = prebuilt ?? join(scratch, 'models');
if (prebuilt === undefined) {
  for (const name of models) cpSync(fileURLToPath(new URL(name, MODELS_DIR)), join(repository, name), { recursive: true });
}

const raw: RawConfig = new Map([
  ['model_repository', { value: repository, source: 'bench' }],
  ['data_dir', { value: join(scratch, 'data'), source: 'bench' }],
  ['log_level', { value: 'silent', source: 'bench' }],
  ['host', { value: '127.0.0.1', source: 'bench' }],
  ['port', { value: 0, source: 'bench' }],
]);
// SWITCHYARD_* settings apply as they do to `switchyard up` (e.g. SWITCHYARD_ONNX_WORKER_NICE=0),
// except the ones above, which the benchmark owns.
for (const [variable, key] of Object.entries(ENVIRONMENT_KEYS)) {
  const value = process.env[variable];
  if (value !== undefined && value !== '' && !raw.has(key)) raw.set(key, { value, source: `environment ${variable}` });
}
const config = compileConfig(raw, process.cwd());
// Same as `switchyard up`: a real (silenced) logger and process metrics on.
const server = await createServer({ config, log: createLogger(config.logLevel) });
const notReady = server.catalog.all().filter((v) => v.state !== 'READY');
const missing = models.filter((m) => !server.catalog.hasModel(m));
if (notReady.length > 0 || missing.length > 0) {
  const problems = [...notReady.map((v) => `${v.model}/${v.version} ${v.state}: ${v.reason ?? ''}`), ...missing.map((m) => `${m} not found`)];
  await server.close();
  throw new Error(`full server: ${problems.join('; ')}`);
}
await server.app.listen({ host: config.host, port: config.port });
const address = server.app.server.address();
if (address === null || typeof address === 'string') throw new Error('fastify is not listening on a TCP port');

await logEventLoopDelay();
announceAndServe(address.port, async () => {
  await server.close();
  rmSync(scratch, { recursive: true, force: true });
});

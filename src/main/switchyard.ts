#!/usr/bin/env node
/** `switchyard` — the command-line entry: `up` runs the embedded server; the rest are clients. */
import { Command, Option } from 'commander';
import { registerClientCommands } from '../cli/commands.js';
import { ConfigError } from '../core/config.js';
import { RepositoryError } from '../registry/model-repository.js';
import { createLogger } from '../telemetry/logger.js';
import { loadConfig } from './config-sources.js';
import { registerHardwareCommand } from './hardware-command.js';
import { registerSimCommand } from './sim-command.js';
import { registerAuditCommand } from './audit-command.js';
import { registerKeysCommand } from './keys-command.js';
import { createServer } from './server.js';
import { SWITCHYARD_VERSION } from './version.js';

interface UpOptions {
  config?: string;
  host?: string;
  port?: string;
  modelRepository?: string;
  dataDir?: string;
  logLevel?: string;
}

/** A bad configuration or repository stops start-up with its message and exit code 2. */
function refuseToStart(error: unknown): void {
  if (!(error instanceof ConfigError || error instanceof RepositoryError)) throw error;
  process.stderr.write(`switchyard: ${error.message}\n`);
  process.exitCode = 2;
}

async function up(options: UpOptions): Promise<void> {
  let config;
  try {
    config = loadConfig({
      flags: {
        host: options.host,
        port: options.port,
        model_repository: options.modelRepository,
        data_dir: options.dataDir,
        log_level: options.logLevel,
      },
      configFile: options.config,
      env: process.env,
      cwd: process.cwd(),
    });
  } catch (error) {
    return refuseToStart(error);
  }
  const log = createLogger(config.logLevel);
  let server;
  try {
    server = await createServer({ config, log });
  } catch (error) {
    return refuseToStart(error);
  }
  const address = await server.app.listen({ host: config.host, port: config.port });
  const ready = server.catalog.all().filter((v) => v.state === 'READY').length;
  log.info({ address, models: ready, repository: config.modelRepository }, `switchyard ${SWITCHYARD_VERSION} serving ${ready} model versions at ${address}`);
  // Plain text, not a log line: the key must not end up in log storage.
  if (server.initialAdminKey) {
    process.stdout.write(`switchyard: created the first admin API key. It is shown only now and stored hashed; keep it:\n  ${server.initialAdminKey}\n`);
  }
  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

const program = new Command()
  .name('switchyard')
  .description('Hardware-aware serving of models over the Open Inference Protocol')
  .version(SWITCHYARD_VERSION);

program
  .command('up')
  .description('start the embedded server with the model repository (default ./models on 127.0.0.1:8080)')
  .option('--config <file>', 'YAML config file (also SWITCHYARD_CONFIG)')
  .option('--host <host>', 'address to bind (SWITCHYARD_HOST; default 127.0.0.1)')
  .option('--port <port>', 'port to listen on (SWITCHYARD_PORT; default 8080)')
  .option('--model-repository <path>', 'model repository folder (SWITCHYARD_MODEL_REPOSITORY; default ./models)')
  .option('--data-dir <path>', 'data folder (SWITCHYARD_DATA_DIR; default ./.switchyard)')
  .addOption(new Option('--log-level <level>', 'log level (SWITCHYARD_LOG_LEVEL; default info)'))
  .action((options: UpOptions) => up(options));

registerClientCommands(program);
registerSimCommand(program);
registerHardwareCommand(program);
registerKeysCommand(program);
registerAuditCommand(program);

await program.parseAsync(process.argv);
